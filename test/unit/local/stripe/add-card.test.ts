import Stripe from 'stripe';
import type { EdgeRequest } from '../../../../local/edge/edge-service';
import { until, stripeClient, testStripe, webhookReceiver } from './harness';

/**
 * The Stripe calls a saved card makes (setup_intents retrieve, customers update with
 * invoice_settings.default_payment_method, subscriptions resume) and the `add_card` scenario, through the
 * real stripe-node client against the sandbox in-process.
 */
async function pausedSubscription(stripe: Stripe) {
  const customer = await stripe.customers.create({ email: 'ada@example.com', metadata: { customerId: 'cust-1' } });
  const trialEnd = Math.floor(Date.now() / 1000) + 7 * 86400;
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: 'price_starter_local' }],
    trial_end: trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    metadata: { customerId: 'cust-1' },
  });
  return { customer, subscription };
}

function simulateRequest(body: unknown): EdgeRequest {
  return { method: 'POST', path: '/_sandbox/stripe/simulate', query: new URLSearchParams(), headers: {}, body: Buffer.from(JSON.stringify(body)), region: 'us-east-1' };
}

describe('Stripe sandbox: adding a card', () => {
  it('add_card completes a setup Checkout session and sends checkout.session.completed; the card is not the default until the customer is updated', async () => {
    const receiver = await webhookReceiver();
    try {
      const { sandbox } = testStripe({ webhookUrl: receiver.url });
      const stripe = stripeClient(sandbox);
      const { customer, subscription } = await pausedSubscription(stripe);
      const trialEnd = await sandbox.routes['POST /_sandbox/stripe/simulate'](simulateRequest({ customerId: 'cust-1', scenario: 'trial_ends_without_card' }));
      expect(trialEnd.statusCode).toBe(200);
      expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('paused');

      const res = await sandbox.routes['POST /_sandbox/stripe/simulate'](simulateRequest({ customerId: 'cust-1', scenario: 'add_card' }));
      expect(res.statusCode).toBe(200);
      const completed = receiver.received.map((r) => JSON.parse(r.body)).find((e) => e.type === 'checkout.session.completed');
      expect(completed.data.object).toMatchObject({ object: 'checkout.session', mode: 'setup', customer: customer.id, status: 'complete', setup_intent: expect.stringMatching(/^seti_/) });

      const intent = await stripe.setupIntents.retrieve(completed.data.object.setup_intent);
      expect(intent).toMatchObject({ status: 'succeeded', customer: customer.id, payment_method: 'pm_card_visa' });
      expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    } finally {
      await receiver.close();
    }
  });

  it('resumes a paused subscription only once it has a default payment method, billing a new period', async () => {
    const receiver = await webhookReceiver();
    try {
      const { sandbox } = testStripe({ webhookUrl: receiver.url });
      const stripe = stripeClient(sandbox);
      const { customer, subscription } = await pausedSubscription(stripe);
      await sandbox.routes['POST /_sandbox/stripe/simulate'](simulateRequest({ customerId: 'cust-1', scenario: 'trial_ends_without_card' }));

      await expect(stripe.subscriptions.resume(subscription.id)).rejects.toThrow(/payment method/);
      const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_card_visa' } });
      expect(updated.invoice_settings.default_payment_method).toBe('pm_card_visa');
      await expect(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_unknown' } })).rejects.toThrow(/No such PaymentMethod/);

      const resumed = await stripe.subscriptions.resume(subscription.id, {}, { idempotencyKey: 'resume-1' });
      expect(resumed.status).toBe('active');
      // The same key replays the answer; without it, an active subscription cannot be resumed again.
      expect((await stripe.subscriptions.resume(subscription.id, {}, { idempotencyKey: 'resume-1' })).id).toBe(subscription.id);
      await expect(stripe.subscriptions.resume(subscription.id)).rejects.toThrow(/Only a paused subscription/);
      const delivered = () => receiver.received.map((r) => JSON.parse(r.body).type as string);
      await until(() => ['customer.updated', 'invoice.paid', 'customer.subscription.resumed'].every((type) => delivered().includes(type)));
      const types = delivered();
      expect(types).toEqual(expect.arrayContaining(['customer.updated', 'invoice.paid', 'customer.subscription.resumed']));
    } finally {
      await receiver.close();
    }
  });

  it('answers 404 for an unknown SetupIntent, as Stripe does', async () => {
    const { sandbox } = testStripe();
    await expect(stripeClient(sandbox).setupIntents.retrieve('seti_missing')).rejects.toMatchObject({ code: 'resource_missing', statusCode: 404 });
  });
});
