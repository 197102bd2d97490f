import Stripe from 'stripe';
import { canonicalParams } from '../../../../local/sandbox/stripe/idempotency';
import { until, stripeClient, testStripe, webhookReceiver } from './harness';

const DAY = 86400;
/** lastResponse.headers is a Headers with stripe-node's fetch client, a plain object with its node client. */
const header = (object: { lastResponse: { headers: unknown } }, name: string): string | undefined => {
  const headers = object.lastResponse.headers as Headers | Record<string, string>;
  return headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name];
};
const inAWeek = () => Math.floor(Date.now() / 1000) + 7 * DAY;

async function trialingSubscription(stripe: Stripe, customerId = 'c-1', trialEnd = inAWeek()) {
  const customer = await stripe.customers.create({ email: `${customerId}@example.test`, metadata: { customerId } });
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: 'price_business_local' }],
    trial_end: trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    payment_settings: { save_default_payment_method: 'on_subscription' },
    metadata: { customerId },
  });
  return { customer, subscription };
}

describe('Stripe sandbox API through the real stripe-node client', () => {
  it('answers in the pinned API version shape: periods on the items, trialing until trial_end', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);
    const trialEnd = inAWeek();

    const { customer, subscription } = await trialingSubscription(stripe, 'c-1', trialEnd);

    expect(customer).toMatchObject({ object: 'customer', livemode: false, metadata: { customerId: 'c-1' } });
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(subscription).toMatchObject({
      object: 'subscription',
      status: 'trialing',
      customer: customer.id,
      trial_end: trialEnd,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      payment_settings: { save_default_payment_method: 'on_subscription' },
      metadata: { customerId: 'c-1' },
      livemode: false,
    });
    expect(subscription.items.data[0]).toMatchObject({ current_period_end: trialEnd, price: { id: 'price_business_local', unit_amount: 59900 } });
    expect(subscription).not.toHaveProperty('current_period_end');
    expect(header(subscription, 'stripe-version')).toBe(Stripe.API_VERSION);
  });

  it('adds the top-level current_period_end for callers on a pre-basil API version', async () => {
    const { sandbox } = testStripe();
    const legacy = stripeClient(sandbox, undefined, { apiVersion: '2024-06-20' as never });

    const { subscription } = await trialingSubscription(legacy);

    expect((subscription as unknown as { current_period_end: number }).current_period_end).toBe(subscription.items.data[0].current_period_end);
  });

  it('replays the first response for a repeated idempotency key and refuses the key with other params', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);

    const first = await stripe.customers.create({ email: 'a@example.test', metadata: { customerId: 'c-1' } }, { idempotencyKey: 'key-1' });
    const again = await stripe.customers.create({ metadata: { customerId: 'c-1' }, email: 'a@example.test' }, { idempotencyKey: 'key-1' });
    const other = stripe.customers.create({ email: 'b@example.test' }, { idempotencyKey: 'key-1' });
    const otherEndpoint = stripe.subscriptions.create({ customer: first.id, items: [{ price: 'price_starter_local' }], trial_period_days: 7 }, { idempotencyKey: 'key-1' });

    expect(again.id).toBe(first.id);
    expect(header(again, 'idempotent-replayed')).toBe('true');
    expect(header(first, 'idempotent-replayed')).toBeUndefined();
    expect((await stripe.customers.list()).data).toHaveLength(1);
    await expect(other).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    await expect(otherEndpoint).rejects.toMatchObject({ type: 'StripeIdempotencyError', message: expect.stringContaining('same endpoint') });
  });

  it('compares idempotent parameters independently of key order', () => {
    expect(canonicalParams({ a: '1', b: { y: '2', x: '1' } })).toBe(canonicalParams({ b: { x: '1', y: '2' }, a: '1' }));
    expect(canonicalParams({ a: ['1', '2'] })).not.toBe(canonicalParams({ a: ['2', '1'] }));
  });

  it('raises Stripe error classes with Stripe codes, statuses and params', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);
    const customer = await stripe.customers.create({ email: 'x@example.test' });

    await expect(stripe.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      statusCode: 404,
      param: 'id',
      message: "No such subscription: 'sub_missing'",
    });
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_nope' }], trial_period_days: 7 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      statusCode: 400,
      param: 'items[0][price]',
    });
    await expect(stripe.customers.create({ email: 'x', bogus: 1 } as never)).rejects.toMatchObject({ statusCode: 400, param: 'bogus' });
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_starter_local' }] })).rejects.toMatchObject({
      code: 'resource_missing',
      message: expect.stringContaining('no attached payment source'),
    });
    await expect(stripeClient(sandbox, 'sk_test_wrong_key_000').customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('fires injected faults with Stripe statuses; stripe-node retries a 500 but not a plain 429', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);
    const retrying = stripeClient(sandbox, undefined, { maxNetworkRetries: 1 });
    sandbox.faults.add({ service: 'stripe', action: 'CreateCustomer', error: 'rate_limit', times: 1 });
    sandbox.faults.add({ service: 'stripe', action: 'ListPrices', error: 'card_declined', times: 1 });

    await expect(stripe.customers.create({ email: 'r@example.test' })).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    await expect(stripe.prices.list()).rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline' });
    sandbox.faults.add({ service: 'stripe', action: 'CreateCustomer', error: 'api_error', times: 1 });
    await expect(retrying.customers.create({ email: 'r@example.test' })).resolves.toMatchObject({ object: 'customer' });
    expect(sandbox.faults.list()).toEqual([]);
    expect(() => sandbox.faults.add({ service: 'stripe', action: 'Nope', error: 'rate_limit' })).toThrow(/action must be one of/);
    expect(() => sandbox.faults.add({ service: 'stripe', action: 'CreateCustomer', error: 'Throttling' })).toThrow(/error must be one of/);
  });

  it('lists the seeded prices by lookup key and expands subscription members', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);
    const { customer, subscription } = await trialingSubscription(stripe);

    const prices = await stripe.prices.list({ lookup_keys: ['starter', 'enterprise'] });
    const expanded = await stripe.subscriptions.retrieve(subscription.id, { expand: ['customer', 'latest_invoice'] });

    expect(prices.data.map((price) => [price.id, price.unit_amount, price.recurring?.interval])).toEqual(
      expect.arrayContaining([
        ['price_starter_local', 29900, 'month'],
        ['price_enterprise_local', 129900, 'month'],
      ]),
    );
    expect(prices.data).toHaveLength(2);
    expect((expanded.customer as Stripe.Customer).id).toBe(customer.id);
    expect(expanded.latest_invoice).toMatchObject({ object: 'invoice', status: 'paid', amount_due: 0 });
    await expect(stripe.subscriptions.retrieve(subscription.id, { expand: ['plan.product'] })).rejects.toMatchObject({ param: 'expand' });
  });

  it('updates cancel_at_period_end and pause_collection, cancels, and emits the events with previous_attributes', async () => {
    const receiver = await webhookReceiver();
    const { sandbox } = testStripe({ webhookUrl: receiver.url });
    const stripe = stripeClient(sandbox);
    const { subscription } = await trialingSubscription(stripe);

    const cancelling = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const paused = await stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: 'void' } });
    const unpaused = await stripe.subscriptions.update(subscription.id, { pause_collection: '' });
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    await until(() => receiver.received.length >= sandbox.events.list().length);

    expect(cancelling).toMatchObject({ cancel_at_period_end: true, cancel_at: subscription.items.data[0].current_period_end, status: 'trialing' });
    expect(paused.pause_collection).toEqual({ behavior: 'void', resumes_at: null });
    expect(unpaused.pause_collection).toBeNull();
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: expect.any(Number) });
    await expect(stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false })).rejects.toMatchObject({ statusCode: 400 });
    const types = sandbox.events.list().map((stored) => stored.event.type);
    expect(types).toEqual([
      'customer.created',
      'customer.subscription.created',
      'customer.subscription.updated',
      'customer.subscription.updated',
      'customer.subscription.updated',
      'customer.subscription.deleted',
    ]);
    expect(sandbox.events.list()[2].event.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    expect(receiver.received.map((delivery) => (JSON.parse(delivery.body) as Stripe.Event).type)).toEqual(types);
    await receiver.close();
  });

  it('moves a subscription item to another price (a plan change), once per idempotency key, and refuses unknown items', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);
    const { subscription } = await trialingSubscription(stripe);
    const item = subscription.items.data[0];
    const change = { items: [{ id: item.id, price: 'price_enterprise_local' }], proration_behavior: 'create_prorations' as const };

    const changed = await stripe.subscriptions.update(subscription.id, change, { idempotencyKey: 'plan-1' });
    const replayed = await stripe.subscriptions.update(subscription.id, change, { idempotencyKey: 'plan-1' });

    expect(changed.items.data.map((one) => [one.id, one.price.id])).toEqual([[item.id, 'price_enterprise_local']]);
    expect(replayed.id).toBe(changed.id);
    expect(sandbox.events.list().filter((stored) => stored.event.type === 'customer.subscription.updated')).toHaveLength(1);
    await expect(stripe.subscriptions.update(subscription.id, { items: [{ id: 'si_nope', price: 'price_starter_local' }] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'items[0][id]',
    });
    await expect(stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: 'price_nope' }] })).rejects.toMatchObject({ param: 'items[0][price]' });
  });

  it('creates setup and subscription checkout sessions and portal sessions with sandbox page URLs', async () => {
    const { sandbox } = testStripe();
    const stripe = stripeClient(sandbox);
    const customer = await stripe.customers.create({ email: 'p@example.test' });

    const setup = await stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      success_url: 'http://localhost:5173/billing?checkout=success',
      cancel_url: 'http://localhost:5173/billing?checkout=cancelled',
    });
    const subscribe = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_starter_local', quantity: 1 }],
      success_url: 'http://localhost:5173/ok',
    });
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost:5173/billing' });

    expect(setup).toMatchObject({ object: 'checkout.session', mode: 'setup', status: 'open', url: `http://127.0.0.1:4566/_sandbox/stripe/checkout?session=${setup.id}` });
    expect(setup.id).toMatch(/^cs_test_/);
    expect(subscribe).toMatchObject({ mode: 'subscription', amount_total: 29900, currency: 'usd' });
    expect(portal).toMatchObject({ object: 'billing_portal.session', customer: customer.id, url: `http://127.0.0.1:4566/_sandbox/stripe/portal?session=${portal.id}` });
    await expect(stripe.checkout.sessions.create({ mode: 'setup', customer: customer.id, success_url: 'http://x.test/' })).rejects.toMatchObject({ param: 'currency' });
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, success_url: 'http://x.test/' })).rejects.toMatchObject({ param: 'line_items' });
    await expect(stripe.billingPortal.sessions.create({ customer: 'cus_missing' })).rejects.toMatchObject({ code: 'resource_missing', param: 'customer' });
  });

  it('keeps its state in stripe.json across a restart', async () => {
    const { sandbox, dataDir } = testStripe();
    const { subscription } = await trialingSubscription(stripeClient(sandbox));

    const { createStripeSandbox } = await import('../../../../local/sandbox/stripe');
    const { SandboxClock } = await import('../../../../local/sandbox/clock');
    const path = await import('node:path');
    const restarted = createStripeSandbox(path.join(dataDir, 'sandbox'), new SandboxClock({ profile: 'instant', scale: 0 }), {
      secretKey: 'sk_test_unit_sandbox',
      webhookUrl: undefined,
      webhookSecret: 'whsec_unit_test',
      publicUrl: 'http://127.0.0.1:4566',
    });

    await expect(stripeClient(restarted).subscriptions.retrieve(subscription.id)).resolves.toMatchObject({ status: 'trialing' });
  });
});
