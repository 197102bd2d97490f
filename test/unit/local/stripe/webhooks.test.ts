import Stripe from 'stripe';
import type { EdgeRequest } from '../../../../local/edge/edge-service';
import { signPayload } from '../../../../local/sandbox/stripe/events';
import type { StripeSandbox } from '../../../../local/sandbox/stripe';
import { stripeClient, testStripe, WEBHOOK_SECRET, webhookReceiver } from './harness';

const verifier = new Stripe('sk_test_verify_only');

describe('signPayload', () => {
  it('makes a Stripe-Signature that constructEvent accepts, and only for that payload and secret', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.subscription.updated', data: { object: {} } });
    const signature = signPayload(payload, WEBHOOK_SECRET);

    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifier.webhooks.constructEvent(payload, signature, WEBHOOK_SECRET).id).toBe('evt_1');
    expect(() => verifier.webhooks.constructEvent(`${payload} `, signature, WEBHOOK_SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => verifier.webhooks.constructEvent(payload, signature, 'whsec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('is refused once older than the default 300 s tolerance', () => {
    const payload = '{"id":"evt_old"}';
    const signature = signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301);

    expect(() => verifier.webhooks.constructEvent(payload, signature, WEBHOOK_SECRET)).toThrow(/tolerance/);
  });
});

const control = async (sandbox: StripeSandbox, route: string, body?: unknown) => {
  const [method, path] = route.split(' ');
  const request: EdgeRequest = {
    method,
    path,
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)),
    region: 'us-east-1',
  };
  const response = await sandbox.routes[route](request);
  return { status: response.statusCode, json: JSON.parse(response.body) };
};

async function setUp(missingPaymentMethod: 'pause' | 'cancel' | 'create_invoice' = 'pause') {
  const receiver = await webhookReceiver();
  const { sandbox } = testStripe({ webhookUrl: receiver.url });
  const stripe = stripeClient(sandbox);
  const customer = await stripe.customers.create({ email: 'ada@example.test', metadata: { customerId: 'cust-1' } });
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: 'price_starter_local' }],
    trial_period_days: 7,
    trial_settings: { end_behavior: { missing_payment_method: missingPaymentMethod } },
    metadata: { customerId: 'cust-1' },
  });
  // Wait for the creation events' deliveries (customer and subscription created; they go out after the
  // responses), then count only what simulate delivers. Polled, not slept: under load they come late.
  const deadline = Date.now() + 10_000;
  while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(receiver.received.map((delivery) => JSON.parse(delivery.body).type).sort()).toEqual(['customer.created', 'customer.subscription.created']);
  receiver.received.length = 0;
  const simulate = (scenario: string, extra: Record<string, unknown> = {}) =>
    control(sandbox, 'POST /_sandbox/stripe/simulate', { customerId: 'cust-1', scenario, ...extra });
  return { receiver, sandbox, stripe, subscription, simulate };
}

describe('POST /_sandbox/stripe/simulate', () => {
  let closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(closers.map((close) => close()));
    closers = [];
  });
  const track = <T extends { receiver: { close(): Promise<void> } }>(value: T): T => {
    closers.push(() => value.receiver.close());
    return value;
  };

  it.each([
    ['trial_will_end', [], 'trialing', ['customer.subscription.trial_will_end']],
    ['trial_ends_without_card', [], 'paused', ['customer.subscription.updated', 'customer.subscription.paused']],
    ['payment_fails', [], 'past_due', ['invoice.payment_failed', 'customer.subscription.updated']],
    ['payment_fails', ['payment_fails'], 'unpaid', ['invoice.payment_failed', 'customer.subscription.updated']],
    ['payment_recovers', ['payment_fails'], 'active', ['invoice.paid', 'customer.subscription.updated']],
    ['payment_recovers', ['payment_fails', 'payment_fails'], 'active', ['invoice.paid', 'customer.subscription.updated']],
    ['payment_recovers', ['trial_ends_without_card'], 'active', ['invoice.paid', 'customer.subscription.updated', 'customer.subscription.resumed']],
    ['cancel', [], 'trialing', ['customer.subscription.updated']],
    ['delete', [], 'canceled', ['customer.subscription.deleted']],
  ])('%s after %j: status %s, events %j', async (scenario, before, status, types) => {
    const { simulate, receiver, stripe, subscription } = track(await setUp());
    for (const step of before) expect((await simulate(step)).status).toBe(200);
    receiver.received.length = 0;

    const result = await simulate(scenario);

    expect(result.status).toBe(200);
    expect(result.json.subscription).toMatchObject({ id: subscription.id, status });
    expect(result.json.deliveries.map((delivery: { type: string }) => delivery.type)).toEqual(types);
    expect(result.json.deliveries.every((delivery: { status: number }) => delivery.status === 200)).toBe(true);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe(status);
    const delivered = receiver.received.map((delivery) => verifier.webhooks.constructEvent(delivery.body, delivery.signature, WEBHOOK_SECRET));
    expect(delivered.map((event) => event.type)).toEqual(types);
    for (const event of delivered) {
      expect(event).toMatchObject({ object: 'event', api_version: Stripe.API_VERSION, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null } });
      expect(event.id).toMatch(/^evt_/);
    }
  });

  it('snapshots the objects: the invoice names its subscription, updated carries previous_attributes', async () => {
    const { simulate, receiver, subscription } = track(await setUp());

    await simulate('payment_fails');

    const [failed, updated] = receiver.received.map((delivery) => JSON.parse(delivery.body) as Stripe.Event);
    const invoice = failed.data.object as Stripe.Invoice;
    expect(invoice).toMatchObject({ object: 'invoice', status: 'open', attempt_count: 1, customer: subscription.customer, amount_due: 29900 });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(updated.data).toMatchObject({ object: { id: subscription.id, status: 'past_due', latest_invoice: invoice.id }, previous_attributes: { status: 'trialing' } });
  });

  it('delivers every event twice with duplicate (same id and body, each freshly signed) and shuffles reproducibly', async () => {
    const { simulate, receiver } = track(await setUp());

    const result = await simulate('payment_fails', { duplicate: true, shuffle: true, seed: 7 });

    expect(result.json.deliveries).toHaveLength(4);
    const ids = receiver.received.map((delivery) => (JSON.parse(delivery.body) as Stripe.Event).id);
    expect(new Set(ids).size).toBe(2);
    for (const id of new Set(ids)) {
      const copies = receiver.received.filter((delivery) => delivery.body.includes(`"id": "${id}"`));
      expect(copies).toHaveLength(2);
      expect(copies[0].body).toBe(copies[1].body);
      for (const copy of copies) expect(() => verifier.webhooks.constructEvent(copy.body, copy.signature, WEBHOOK_SECRET)).not.toThrow();
    }
    const order = (seed: number) => setUp().then(async (again) => {
      track(again);
      return (await again.simulate('payment_fails', { shuffle: true, seed })).json.deliveries.map((delivery: { type: string }) => delivery.type);
    });
    expect(await order(7)).toEqual(await order(7));
  });

  it('ends a trial without a card per missing_payment_method: cancel deletes, create_invoice goes past_due', async () => {
    const cancel = track(await setUp('cancel'));
    const invoice = track(await setUp('create_invoice'));

    const canceled = await cancel.simulate('trial_ends_without_card');
    const pastDue = await invoice.simulate('trial_ends_without_card');

    expect(canceled.json).toMatchObject({ subscription: { status: 'canceled' }, deliveries: [{ type: 'customer.subscription.deleted' }] });
    expect(pastDue.json).toMatchObject({ subscription: { status: 'past_due' }, deliveries: [{ type: 'invoice.payment_failed' }, { type: 'customer.subscription.updated' }] });
  });

  it('refuses a bad body (400), an unknown customer (404) and a scenario the subscription cannot take (409)', async () => {
    const { sandbox, simulate } = track(await setUp());

    expect((await control(sandbox, 'POST /_sandbox/stripe/simulate', 'not json')).status).toBe(400);
    expect((await simulate('explode')).json.error).toMatch(/scenario must be one of/);
    expect((await control(sandbox, 'POST /_sandbox/stripe/simulate', { customerId: 'nobody', scenario: 'cancel' })).status).toBe(404);
    expect((await simulate('cancel', { duplicate: 'yes' })).status).toBe(400);
    await simulate('delete');
    expect((await simulate('payment_fails')).status).toBe(409);
  });

  it('lists events and redelivers one with a fresh signature', async () => {
    const { sandbox, simulate, receiver } = track(await setUp());
    await simulate('trial_will_end');

    const listed = await control(sandbox, 'GET /_sandbox/stripe/events');
    const stored = listed.json.events.find((entry: { event: Stripe.Event }) => entry.event.type === 'customer.subscription.trial_will_end');
    const redelivered = await control(sandbox, 'POST /_sandbox/stripe/deliver', { eventId: stored.event.id });

    expect(listed.json.events.map((entry: { event: Stripe.Event }) => entry.event.type)).toEqual([
      'customer.created',
      'customer.subscription.created',
      'customer.subscription.trial_will_end',
    ]);
    expect(verifier.webhooks.constructEvent(stored.payload, stored.deliveries[0].signature, WEBHOOK_SECRET).id).toBe(stored.event.id);
    expect(redelivered).toMatchObject({ status: 200, json: { eventId: stored.event.id, status: 200 } });
    expect(receiver.received.at(-1)?.body).toBe(stored.payload);
    expect((await control(sandbox, 'POST /_sandbox/stripe/deliver', { eventId: 'evt_nope' })).status).toBe(404);
  });

  it('records a delivery the webhook could not take', async () => {
    const { sandbox } = testStripe({ webhookUrl: 'http://127.0.0.1:9/stripe/webhooks' });
    const stripe = stripeClient(sandbox);
    await stripe.customers.create({ metadata: { customerId: 'c-9' } }).then((customer) =>
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_starter_local' }], trial_period_days: 3 }),
    );

    const result = await control(sandbox, 'POST /_sandbox/stripe/simulate', { customerId: 'c-9', scenario: 'delete' });

    expect(result.json.deliveries).toEqual([{ eventId: expect.stringMatching(/^evt_/), type: 'customer.subscription.deleted', status: null, error: expect.any(String) }]);
  });
});
