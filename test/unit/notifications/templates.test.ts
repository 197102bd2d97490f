import { customerEmail, NOTICE_KINDS } from '../../../lambdas/notifications/templates';

const customer = {
  firstName: 'Ada <script>',
  company: 'Acme & "Sons"',
  subdomain: 'acme.customers.stackpro.test',
  trialEndsAt: '2030-01-08T00:00:00.000Z',
};

describe('customer email templates', () => {
  it.each([
    ['trial_ending', 'Your StackPro trial ends on 2030-01-08'],
    ['payment_failed', 'Action needed: your StackPro payment failed'],
    ['suspended', 'Your StackPro stack is suspended'],
    ['resumed', 'Your StackPro stack is back online'],
    ['cancelled', 'Your StackPro subscription is cancelled'],
  ] as const)('%s has a clear subject', (kind, subject) => {
    expect(customerEmail(kind, customer).subject).toBe(subject);
  });

  it.each(NOTICE_KINDS)('%s escapes customer-supplied names in the HTML and keeps them readable in the text', (kind) => {
    const { text, html } = customerEmail(kind, customer);
    expect(html).not.toContain('<script>');
    expect(html).toContain('Ada &lt;script&gt;');
    expect(text).toContain('Hi Ada <script>,');
  });

  it('tells a trialing customer the trial ends in 3 days and to add a card', () => {
    const { text } = customerEmail('trial_ending', customer, { billingUrl: 'https://app.stackpro.test/billing' });
    expect(text).toContain('ends in 3 days, on 2030-01-08');
    expect(text).toContain('Add a card: https://app.stackpro.test/billing');
  });

  it("prefers Stripe's trial end over the signup's", () => {
    expect(customerEmail('trial_ending', { ...customer, billing: { trialEndsAt: '2030-02-01T00:00:00Z' } }).subject).toBe('Your StackPro trial ends on 2030-02-01');
  });

  it('says the service stays up during the grace period of a failed payment', () => {
    expect(customerEmail('payment_failed', customer, { graceEndsAt: '2030-01-20' }).text).toContain('stay up during the grace period, until 2030-01-20');
    expect(customerEmail('payment_failed', customer).text).toContain('stay up during the grace period');
  });

  it('explains a suspension by its reason and says nothing is deleted', () => {
    const { text } = customerEmail('suspended', customer, { reason: 'unpaid' });
    expect(text).toContain('because we could not collect your last payments');
    expect(text).toContain('Nothing is deleted');
  });

  it('never links anything but http(s)', () => {
    const { html, text } = customerEmail('trial_ending', customer, { billingUrl: 'javascript:alert(1)' });
    expect(html).not.toContain('javascript:');
    expect(text).toContain('sign in to StackPro and open Billing');
  });
});
