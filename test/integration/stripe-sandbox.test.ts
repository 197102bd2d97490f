import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { type LocalStackProcess, startLocalStackProcess } from './local-stack-process';

/**
 * Stripe (test mode) on the edge port, driven by the unchanged stripe-node client exactly as our Lambdas
 * build it from STRIPE_API_BASE, plus the sandbox's simulate / events / deliver control routes. Its own
 * stack: faults and simulated subscription moves must not reach other suites.
 */
const WEBHOOK_SECRET = 'whsec_integration_stripe_sandbox';
const DAY = 86400;

let stack: LocalStackProcess;
let secretKey: string;
let stripe: Stripe;

const clientFor = (key: string, config: Stripe.StripeConfig = {}) => {
  const edge = new URL(stack.edgeUrl);
  return new Stripe(key, { host: edge.hostname, port: Number(edge.port), protocol: 'http', maxNetworkRetries: 0, ...config });
};

const sandbox = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.edgeUrl}/_sandbox/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
};

beforeAll(async () => {
  stack = await startLocalStackProcess({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STACKPRO_WEBHOOK_URL: '' } });
  const secrets = new SecretsManagerClient({ endpoint: stack.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: 'stackpro/stripe' }));
  secrets.destroy();
  secretKey = (JSON.parse(secret.SecretString ?? '{}') as { secretKey: string }).secretKey;
  stripe = clientFor(secretKey);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence += 1)}`;

/** A Stripe customer for one of OUR customer ids, with a 7-day trial that pauses without a card (as set-up-billing makes it). */
async function trialFor(customerId: string) {
  const customer = await stripe.customers.create(
    { email: `${customerId}@example.test`, name: 'Ada Lovelace', metadata: { customerId } },
    { idempotencyKey: `stackpro-customer-${customerId}` },
  );
  const trialEnd = Math.floor(Date.now() / 1000) + 7 * DAY;
  const subscription = await stripe.subscriptions.create(
    {
      customer: customer.id,
      items: [{ price: 'price_business_local' }],
      trial_end: trialEnd,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      payment_settings: { save_default_payment_method: 'on_subscription' },
      metadata: { customerId },
    },
    { idempotencyKey: `stackpro-subscription-${customerId}-1` },
  );
  return { customer, subscription, trialEnd };
}

describe('the local Stripe secret and settings', () => {
  it('serves stackpro/stripe from Secrets Manager and prints the webhook secret in use at start', () => {
    expect(secretKey).toMatch(/^sk_test_local_/);
    expect(stack.output()).toContain(`webhook secret:     ${WEBHOOK_SECRET} (from STRIPE_WEBHOOK_SECRET)`);
  });

  it('sends events to the API’s /stripe/webhooks', async () => {
    expect((await sandbox('GET', 'stripe/events')).json.webhookUrl).toBe(`${stack.apiUrl}/stripe/webhooks`);
  });
});

describe('the Stripe API on the edge port', () => {
  it('creates one customer for a repeated idempotency key', async () => {
    const customerId = unique('idem');
    const create = () => stripe.customers.create({ email: `${customerId}@example.test`, metadata: { customerId } }, { idempotencyKey: `key-${customerId}` });

    const first = await create();
    const second = await create();

    expect(second.id).toBe(first.id);
    expect((await stripe.customers.list({ email: `${customerId}@example.test` })).data.map((customer) => customer.id)).toEqual([first.id]);
  });

  it('creates a trialing subscription and retrieves it, periods on the items as the pinned API version has them', async () => {
    const { customer, subscription, trialEnd } = await trialFor(unique('trial'));

    const retrieved = await stripe.subscriptions.retrieve(subscription.id);

    expect(subscription).toMatchObject({ status: 'trialing', customer: customer.id, trial_end: trialEnd, livemode: false });
    expect(retrieved).toMatchObject({ id: subscription.id, status: 'trialing', trial_settings: { end_behavior: { missing_payment_method: 'pause' } } });
    expect(retrieved.items.data[0]).toMatchObject({ current_period_end: trialEnd, price: { id: 'price_business_local', unit_amount: 59900, lookup_key: 'business' } });
  });

  it('answers a missing id with StripeInvalidRequestError resource_missing', async () => {
    const error = await stripe.subscriptions.retrieve('sub_doesnotexist').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ code: 'resource_missing', statusCode: 404 });
  });

  it('refuses a wrong key with StripeAuthenticationError', async () => {
    await expect(clientFor('sk_test_not_the_local_key').customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('returns checkout and portal session URLs that open sandbox pages on the edge', async () => {
    const { customer } = await trialFor(unique('sessions'));

    const checkout = await stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      success_url: 'http://localhost:5173/billing?checkout=success',
      cancel_url: 'http://localhost:5173/billing?checkout=cancelled',
    });
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost:5173/billing' });

    expect(checkout.url).toBe(`${stack.edgeUrl}/_sandbox/stripe/checkout?session=${checkout.id}`);
    expect(portal.url).toBe(`${stack.edgeUrl}/_sandbox/stripe/portal?session=${portal.id}`);
    for (const url of [checkout.url as string, portal.url]) {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(customer.id);
    }
  });

  it('surfaces an injected rate_limit as StripeRateLimitError, and absorbs an api_error through the client’s retries', async () => {
    const customer = await stripe.customers.create({ email: `${unique('faults')}@example.test` });
    expect((await sandbox('POST', 'faults', { service: 'stripe', action: 'RetrieveCustomer', error: 'rate_limit', times: 1 })).status).toBe(201);

    await expect(stripe.customers.retrieve(customer.id)).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    await sandbox('POST', 'faults', { service: 'stripe', action: 'RetrieveCustomer', error: 'api_error', times: 1 });
    const retrying = clientFor(secretKey, { maxNetworkRetries: 2 });
    await expect(retrying.customers.retrieve(customer.id)).resolves.toMatchObject({ id: customer.id });
    expect((await sandbox('GET', 'faults')).json).toEqual({ faults: [] });
  });
});

describe('POST /_sandbox/stripe/simulate', () => {
  const simulate = (customerId: string, scenario: string, extra: Record<string, unknown> = {}) =>
    sandbox('POST', 'stripe/simulate', { customerId, scenario, ...extra });

  const eventsOf = async (subscriptionId: string) => {
    const listed = (await sandbox('GET', 'stripe/events')).json.events as Array<{
      event: Stripe.Event;
      payload: string;
      deliveries: Array<{ status: number | null; signature: string }>;
    }>;
    return listed.filter((entry) => (entry.event.data.object as { id?: string; parent?: Stripe.Invoice['parent'] }).id === subscriptionId ||
      (entry.event.data.object as Stripe.Invoice).parent?.subscription_details?.subscription === subscriptionId);
  };

  it('moves a trial through pause, recovery, failed payments and cancellation, like Stripe', async () => {
    const customerId = unique('lifecycle');
    const { subscription } = await trialFor(customerId);
    const steps: Array<[string, string, string[]]> = [
      ['trial_will_end', 'trialing', ['customer.subscription.trial_will_end']],
      ['trial_ends_without_card', 'paused', ['customer.subscription.updated', 'customer.subscription.paused']],
      ['payment_recovers', 'active', ['invoice.paid', 'customer.subscription.updated', 'customer.subscription.resumed']],
      ['payment_fails', 'past_due', ['invoice.payment_failed', 'customer.subscription.updated']],
      ['payment_fails', 'unpaid', ['invoice.payment_failed', 'customer.subscription.updated']],
      ['payment_recovers', 'active', ['invoice.paid', 'customer.subscription.updated']],
      ['cancel', 'active', ['customer.subscription.updated']],
      ['delete', 'canceled', ['customer.subscription.deleted']],
    ];

    for (const [scenario, status, types] of steps) {
      const result = await simulate(customerId, scenario);

      expect(result.status).toBe(200);
      expect(result.json).toMatchObject({ scenario, subscription: { id: subscription.id, status } });
      expect(result.json.deliveries.map((delivery: { type: string }) => delivery.type)).toEqual(types);
      expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe(status);
    }
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
  });

  it('attempts every delivery to the API with a signature constructEvent accepts for the recorded body', async () => {
    const customerId = unique('signed');
    const { subscription } = await trialFor(customerId);

    const result = await simulate(customerId, 'payment_fails', { duplicate: true, shuffle: true, seed: 42 });

    expect(result.json.deliveries).toHaveLength(4);
    // The API answers with whatever its webhook route says (404 until it exists): attempted, not refused.
    for (const delivery of result.json.deliveries) expect(typeof delivery.status).toBe('number');
    const recorded = (await eventsOf(subscription.id)).filter((entry) => ['invoice.payment_failed', 'customer.subscription.updated'].includes(entry.event.type));
    expect(recorded).toHaveLength(2);
    for (const entry of recorded) {
      expect(entry.deliveries).toHaveLength(2);
      for (const delivery of entry.deliveries) {
        expect(clientFor(secretKey).webhooks.constructEvent(entry.payload, delivery.signature, WEBHOOK_SECRET).id).toBe(entry.event.id);
      }
      expect(entry.event).toMatchObject({ object: 'event', livemode: false, api_version: Stripe.API_VERSION, pending_webhooks: 1 });
    }
  });

  it('redelivers one event on request', async () => {
    const customerId = unique('redeliver');
    const { subscription } = await trialFor(customerId);
    await simulate(customerId, 'trial_will_end');
    const [entry] = (await eventsOf(subscription.id)).filter((each) => each.event.type === 'customer.subscription.trial_will_end');

    const redelivered = await sandbox('POST', 'stripe/deliver', { eventId: entry.event.id });

    expect(redelivered.json).toMatchObject({ eventId: entry.event.id, type: 'customer.subscription.trial_will_end', status: expect.any(Number) });
  });

  it('refuses an unknown customer (404) and a bad scenario or body (400)', async () => {
    expect((await simulate('nobody-at-all', 'cancel')).status).toBe(404);
    expect((await simulate(unique('x'), 'explode')).status).toBe(400);
    expect((await sandbox('POST', 'stripe/simulate', 'not json')).status).toBe(400);
  });
});
