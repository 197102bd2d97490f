import type { WireCheckoutSession, WirePortalSession, WireSubscription } from './model';

const escape = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:40rem;margin:3rem auto;color:#1a1f36}dt{color:#697386}
dd{margin:0 0 .6rem}button{font:inherit;padding:.5rem 1rem;margin-right:.5rem}.note{color:#697386;font-size:13px}</style></head>
<body><h1>${escape(title)}</h1>${body}
<p class="note">StackPro local Stripe sandbox: no card data is collected, nothing is charged.</p></body></html>`;

const dl = (rows: ReadonlyArray<readonly [string, unknown]>) =>
  `<dl>${rows.map(([name, value]) => `<dt>${escape(name)}</dt><dd>${escape(value)}</dd>`).join('')}</dl>`;

/** The sandbox's stand-in for checkout.stripe.com: complete (with test card pm_card_visa) or cancel. */
export function renderCheckoutPage(session: WireCheckoutSession): string {
  const amount = session.amount_total ? `${(session.amount_total / 100).toFixed(2)} ${String(session.currency).toUpperCase()}` : '-';
  const actions =
    session.status === 'open'
      ? `<form method="post" action="/_sandbox/stripe/checkout/complete?session=${encodeURIComponent(session.id)}">
<button type="submit">${session.mode === 'setup' ? 'Save test card (pm_card_visa)' : 'Subscribe with test card (pm_card_visa)'}</button>
${session.cancel_url ? `<a href="${escape(session.cancel_url)}">Cancel</a>` : ''}</form>`
      : `<p>This session is ${escape(session.status)}.</p>`;
  return page(`Checkout (${session.mode})`, dl([
    ['session', session.id],
    ['customer', session.customer],
    ['amount', amount],
    ['status', session.status],
  ]) + actions);
}

/** The stand-in for billing.stripe.com: the customer's subscriptions, cancel at period end, return. */
export function renderPortalPage(session: WirePortalSession, subscriptions: readonly WireSubscription[]): string {
  const rows = subscriptions
    .map((subscription) => {
      const item = subscription.items.data[0];
      const cancel =
        subscription.status !== 'canceled' && !subscription.cancel_at_period_end
          ? `<form method="post" action="/_sandbox/stripe/portal/cancel?session=${encodeURIComponent(session.id)}&subscription=${encodeURIComponent(subscription.id)}"><button type="submit">Cancel at period end</button></form>`
          : '';
      return `<li>${escape(subscription.id)}: ${escape(item?.price.nickname ?? item?.price.id)}, ${escape(subscription.status)}${subscription.cancel_at_period_end ? ' (cancels at period end)' : ''}${cancel}</li>`;
    })
    .join('');
  return page('Billing portal', `${dl([['customer', session.customer]])}<ul>${rows || '<li>No subscriptions</li>'}</ul>${
    session.return_url ? `<p><a href="${escape(session.return_url)}">Return</a></p>` : ''
  }`);
}
