import type { Customer } from '../core/customer';

/** Every email we send about the account's billing lifecycle (the welcome email lives with provisioning). */
export const NOTICE_KINDS = ['trial_ending', 'payment_failed', 'suspended', 'resumed', 'cancelled', 'plan_changed', 'restored', 'restore_rolled_back'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** What a template may say besides the customer's own fields; all optional, each template has a fallback. */
export interface NoticeDetails {
  /** payment_failed: the day (ISO date or timestamp) the grace period ends and the stack is suspended. */
  readonly graceEndsAt?: string;
  /** trial_ending, payment_failed, suspended: where the customer adds or updates a card. */
  readonly billingUrl?: string;
  /** suspended: why, as a Stripe subscription status or our code (`unpaid`, `canceled`, `trial_ended`, ...). */
  readonly reason?: string;
  /** plan_changed: the plan the account is on now. */
  readonly plan?: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

type TemplateCustomer = Pick<Customer, 'firstName' | 'company' | 'subdomain' | 'trialEndsAt'> & {
  readonly billing?: { readonly trialEndsAt?: string | null } | null;
};

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Only http(s) links make it into an email; anything else falls back to the plain instruction. */
const safeUrl = (url: string | undefined) => (url && /^https?:\/\/[^\s"'<>]+$/.test(url) ? url : undefined);

const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : undefined);

const SUSPENSION_REASONS: Readonly<Record<string, string>> = {
  unpaid: 'we could not collect your last payments',
  past_due: 'we could not collect your last payment',
  canceled: 'your subscription was cancelled',
  cancelled: 'your subscription was cancelled',
  incomplete_expired: 'your first payment did not go through',
  paused: 'your trial ended without a payment method',
  trial_ended: 'your trial ended without a payment method',
};

/** One paragraph per line; the same sentences go into the text and (escaped) HTML parts. */
interface Paragraph {
  readonly text: string;
  readonly html: string;
}
const para = (text: string, html = escapeHtml(text)): Paragraph => ({ text, html });

function cardParagraph(details: NoticeDetails, lead: string): Paragraph {
  const url = safeUrl(details.billingUrl);
  if (!url) return para(`${lead}: sign in to StackPro and open Billing.`);
  return para(`${lead}: ${url}`, `${escapeHtml(lead)}: <a href="${url}">${url}</a>`);
}

function render(customer: TemplateCustomer, subject: string, body: readonly Paragraph[]): RenderedEmail {
  const greeting = para(`Hi ${customer.firstName},`);
  const signOff = para('The StackPro team');
  const all = [greeting, ...body, signOff];
  return {
    subject,
    text: all.map((p) => p.text).join('\n\n'),
    html: all.map((p) => `<p>${p.html}</p>`).join('\n'),
  };
}

/**
 * The email for one lifecycle notice, in plain text and HTML. Customer-supplied values (first name,
 * company) are escaped in the HTML; links are only ever http(s).
 */
export function customerEmail(kind: NoticeKind, customer: TemplateCustomer, details: NoticeDetails = {}): RenderedEmail {
  const site = `https://${customer.subdomain}`;
  const company = customer.company;
  switch (kind) {
    case 'trial_ending': {
      const ends = day(customer.billing?.trialEndsAt ?? customer.trialEndsAt) ?? 'soon';
      return render(customer, `Your StackPro trial ends on ${ends}`, [
        para(`Your free trial ends in 3 days, on ${ends}.`),
        para(`To keep ${company}'s website, CRM and email running at ${site} without a break, add a card before then.`),
        cardParagraph(details, 'Add a card'),
      ]);
    }
    case 'payment_failed': {
      const grace = day(details.graceEndsAt);
      return render(customer, 'Action needed: your StackPro payment failed', [
        para('We could not charge your card for your StackPro subscription.'),
        para(
          grace
            ? `Your website, CRM and email stay up during the grace period, until ${grace}, while we retry the payment. If it still fails then, your stack will be suspended (your data is kept).`
            : 'Your website, CRM and email stay up during the grace period while we retry the payment. If it keeps failing, your stack will be suspended (your data is kept).',
        ),
        cardParagraph(details, 'Update your card'),
      ]);
    }
    case 'suspended': {
      const why = details.reason ? SUSPENSION_REASONS[details.reason] : undefined;
      return render(customer, 'Your StackPro stack is suspended', [
        para(`${company}'s website, CRM and email at ${site} are suspended${why ? ` because ${why}` : ''}.`),
        para('Nothing is deleted: your server is stopped and your data is kept. Pay the open invoice and it starts again.'),
        cardParagraph(details, 'Pay or update your card'),
      ]);
    }
    case 'resumed':
      return render(customer, 'Your StackPro stack is back online', [
        para(`Thank you: ${company}'s website, CRM and email are running again at ${site}.`, `Thank you: ${escapeHtml(company)}'s website, CRM and email are running again at <a href="${site}">${site}</a>.`),
        para('It can take a few minutes for your address to reach everyone.'),
      ]);
    case 'cancelled':
      return render(customer, 'Your StackPro subscription is cancelled', [
        para(`${company}'s StackPro stack at ${site} has been removed after your subscription ended.`),
        para('We took a final backup of your data before removing the server. Reply to this email if you need it, or to come back.'),
      ]);
    case 'plan_changed':
      return render(customer, `Your StackPro plan is now ${details.plan ?? 'changed'}`, [
        para(`${company}'s server at ${site} now runs on the ${details.plan ?? 'new'} plan: more (or less) power and storage, same data.`),
        para('It was restarted once for the change; it can take a few minutes for your address to reach everyone.'),
      ]);
    case 'restored':
      return render(customer, 'Your StackPro data was restored from a backup', [
        para(`${company}'s website, CRM and email at ${site} were restored from a backup and are running again.`),
        para('It can take a few minutes for your address to reach everyone. Anything changed after that backup was taken is not on the restored server.'),
      ]);
    case 'restore_rolled_back':
      return render(customer, 'Your StackPro restore did not go ahead', [
        para(`We could not restore ${company}'s stack at ${site} from the backup, so we put everything back as it was.`),
        para('Your website, CRM and email run on the data they had before. Our team has been told; reply to this email if you need the restore.'),
      ]);
    default: {
      const unknown: never = kind;
      throw new Error(`No template for notice ${String(unknown)}`);
    }
  }
}
