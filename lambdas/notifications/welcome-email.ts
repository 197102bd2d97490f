import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import { config } from '../config';
import type { Customer } from '../core/customer';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The welcome email, in plain text and HTML (customer-supplied names are escaped). */
export function welcomeEmail(customer: Pick<Customer, 'firstName' | 'company' | 'subdomain' | 'plan' | 'trialEndsAt'>) {
  const site = `https://${customer.subdomain}`;
  // Sent after verification, when the trial has started; the fallback only guards the type.
  const trialEnds = customer.trialEndsAt?.slice(0, 10) ?? 'seven days after you verified your email';
  const subject = `Your StackPro ${customer.plan} stack is ready`;
  const text = [
    `Hi ${customer.firstName},`,
    '',
    `${customer.company}'s website, CRM and email are up at ${site}.`,
    `Your free trial runs until ${trialEnds}.`,
    '',
    'The StackPro team',
  ].join('\n');
  const html = `<p>Hi ${escapeHtml(customer.firstName)},</p>
<p>${escapeHtml(customer.company)}'s website, CRM and email are up at <a href="${site}">${site}</a>.</p>
<p>Your free trial runs until ${trialEnds}.</p>
<p>The StackPro team</p>`;
  return { subject, text, html };
}

/** Sends the welcome email from our sender to the customer's (verified) address. */
export async function sendWelcomeEmail(customer: Parameters<typeof welcomeEmail>[0] & Pick<Customer, 'email'>): Promise<void> {
  const { subject, text, html } = welcomeEmail(customer);
  await sesv2.send(
    new SendEmailCommand({
      FromEmailAddress: config.senderAddress(),
      Destination: { ToAddresses: [customer.email] },
      Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text }, Html: { Data: html } } } },
    }),
  );
}
