/* eslint-disable @typescript-eslint/no-explicit-any -- status, sandbox and webhook bodies are asserted field by field */
import Stripe from 'stripe';
import { stripeWebhookSecret } from '../../local/local-env';
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * Billing edges on a local stack of its own (the retention sweep acts on every lapsed account in a stack, so
 * it must not reach other files' customers): a card added after the trial ended without one, bursts,
 * out-of-order and foreign events, signed malformed bodies, and the daily sweeps run through the sandbox
 * control route with a clock set past the retention periods.
 */
let stack: LocalStackProcess;
const signer = new Stripe('sk_test_signing_only');
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  // Rate limits measure something else: this file fires bursts on purpose.
  stack = await startLocalStackProcess({ env: { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_RATE_LIMIT: 'off' } });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

async function edge(method: string, path: string, json?: unknown) {
  const res = await fetch(`${stack.edgeUrl}${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

interface Live {
  customerId: string;
  accessToken: string;
  subdomain: string;
  email: string;
}

async function status(customer: Live) {
  return (await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base: stack.apiUrl })).body;
}

function until(customer: Live, what: string, check: (body: any) => boolean, timeoutMs = 30_000) {
  return eventually(async () => {
    const body = await status(customer);
    return check(body) ? body : undefined;
  }, timeoutMs, what);
}

async function activeCustomer(): Promise<Live> {
  const signup = newSignup();
  const created = (await signUpVerified(signup, { base: stack.apiUrl, edge: stack.edgeUrl })).body;
  const customer = { ...created, email: signup.email.trim().toLowerCase() };
  await until(customer, 'active with billing set up', (b) => b.status === 'active' && b.billing?.subscriptionStatus === 'trialing', 60_000);
  return customer;
}

async function simulate(customer: Live, scenario: string, options: Record<string, unknown> = {}) {
  const res = await edge('POST', '/_sandbox/stripe/simulate', { customerId: customer.customerId, scenario, ...options });
  expect(res.status).toBe(200);
  for (const delivery of res.body.deliveries) expect(delivery.status).toBe(200);
  return res.body;
}

async function suspendedWithoutCard(): Promise<Live> {
  const customer = await activeCustomer();
  await simulate(customer, 'trial_ends_without_card');
  await until(customer, 'suspended', (b) => b.status === 'suspended' && b.billing.subscriptionStatus === 'paused');
  return customer;
}

/** POST /stripe/webhooks with a body signed by the stack's own webhook secret, as Stripe sends it. */
function deliverSigned(payload: string) {
  const header = signer.webhooks.generateTestHeaderString({ payload, secret: stripeWebhookSecret(process.env) });
  return call('POST', '/stripe/webhooks', { body: payload, headers: { 'stripe-signature': header }, base: stack.apiUrl });
}

async function stripeState() {
  return (await edge('GET', '/_sandbox/stripe/state')).body;
}

/** The customer's Stripe subscription id (the status route shows its state, not its id). */
async function subscriptionIdOf(customer: Live): Promise<string> {
  const { stripeCustomerId } = (await status(customer)).billing;
  const { subscriptions } = await stripeState();
  const id = Object.keys(subscriptions).find((each) => subscriptions[each].customer === stripeCustomerId);
  if (!id) throw new Error(`no subscription for ${stripeCustomerId}`);
  return id;
}

async function instanceOf(customer: Live) {
  const { body } = await edge('GET', `/_sandbox/inventory?customer=${customer.customerId}`);
  return body.instances as any[];
}

// The daily billing sweeps are scheduled jobs (lambdas/scheduled/jobs.ts): run one now, as if the clock said `now`.
const SWEEP_JOBS = { 'lapsed-accounts': 'SweepLapsedAccounts', 'expired-snapshots': 'DeleteExpiredSnapshots' } as const;
const sweep = (name: keyof typeof SWEEP_JOBS, now: number) => edge('POST', '/_sandbox/schedules/run', { job: SWEEP_JOBS[name], time: new Date(now).toISOString() });

describe('adding a card after the trial ended without one', () => {
  it('trial ends without a card -> suspended -> add card -> active again, without waiting for an invoice', async () => {
    const customer = await suspendedWithoutCard();
    expect((await instanceOf(customer))[0].state).toBe('stopped');

    await simulate(customer, 'add_card');
    const active = await until(customer, 'active again', (b) => b.status === 'active');
    expect(active.billing.subscriptionStatus).toBe('active');
    expect((await instanceOf(customer))[0].state).toBe('running');
    const stripe = await stripeState();
    const stripeCustomer = stripe.customers[active.billing.stripeCustomerId];
    expect(stripeCustomer.invoice_settings.default_payment_method).toBe('pm_card_visa');
    expect(stripe.subscriptions[await subscriptionIdOf(customer)].status).toBe('active');

    // Out of order: the old "paused" event redelivered now changes nothing (Stripe's current state wins).
    const { body: events } = await edge('GET', '/_sandbox/stripe/events?type=customer.subscription.paused');
    const paused = events.events.filter((e: any) => e.event.data.object.customer === stripeCustomer.id);
    expect(paused).toHaveLength(1);
    const redelivered = await edge('POST', '/_sandbox/stripe/deliver', { eventId: paused[0].event.id });
    expect(redelivered.body.status).toBe(200);
    expect((await status(customer)).status).toBe('active');
  });

  it('a duplicated, shuffled add_card (the checkout event twice, concurrently) resumes once', async () => {
    const customer = await suspendedWithoutCard();
    await simulate(customer, 'add_card', { duplicate: true, shuffle: true, seed: 7 });
    await until(customer, 'active again', (b) => b.status === 'active');
    const backOnline = async () => {
      const { body: outbox } = await edge('GET', '/_sandbox/outbox');
      return (outbox.emails as any[]).filter((e) => [e.to].flat().includes(customer.email) && e.subject === 'Your StackPro stack is back online');
    };
    await eventually(async () => ((await backOnline()).length > 0 ? true : undefined), 15_000, 'the back-online email');
    expect(await backOnline()).toHaveLength(1);
  });
});

describe('webhook deliveries that must change nothing twice, or nothing at all', () => {
  it('the burst: the same signed event 50 times at once is applied once', async () => {
    const customer = await activeCustomer();
    const { billing } = await status(customer);
    const payload = JSON.stringify({
      id: `evt_burst_${customer.customerId.replace(/[^A-Za-z0-9]/g, '')}`,
      object: 'event',
      type: 'customer.subscription.trial_will_end',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: await subscriptionIdOf(customer), object: 'subscription', customer: billing.stripeCustomerId, status: 'trialing', metadata: { customerId: customer.customerId } } },
    });
    const answers = await Promise.all(Array.from({ length: 50 }, () => deliverSigned(payload)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.filter((a) => !a.body.duplicate).map((a) => a.body)).toEqual([{ received: true }]);
    await eventually(async () => {
      const { body } = await edge('GET', '/_sandbox/outbox');
      return (body.emails as any[]).some((e) => [e.to].flat().includes(customer.email) && /trial/i.test(e.subject)) ? true : undefined;
    }, 10_000, 'the reminder');
    const { body } = await edge('GET', '/_sandbox/outbox');
    expect((body.emails as any[]).filter((e) => [e.to].flat().includes(customer.email) && /trial/i.test(e.subject))).toHaveLength(1);
  });

  it("the other tenant: an event naming B's subscription with A's metadata changes nothing", async () => {
    const [a, b] = await Promise.all([activeCustomer(), activeCustomer()]);
    const billingB = (await status(b)).billing;
    const subscriptionOfB = await subscriptionIdOf(b);
    expect(subscriptionOfB).toMatch(/^sub_/);
    const res = await deliverSigned(
      JSON.stringify({
        id: `evt_foreign_${Date.now()}`,
        object: 'event',
        type: 'customer.subscription.deleted',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: subscriptionOfB, object: 'subscription', customer: billingB.stripeCustomerId, status: 'canceled', metadata: { customerId: a.customerId } } },
      }),
    );
    expect(res.status).toBe(200);
    expect(await status(a)).toMatchObject({ status: 'active', billing: { subscriptionStatus: 'trialing' } });
    expect(await status(b)).toMatchObject({ status: 'active', billing: { subscriptionStatus: 'trialing' } });
  });

  it.each([
    ['JSON null', 'null', 'body_not_object'],
    ['no id', JSON.stringify({ type: 'customer.subscription.deleted', data: { object: { object: 'subscription', id: 'sub_x' } } }), 'id_missing'],
    ['no id, another body', JSON.stringify({ type: 'customer.subscription.deleted', data: { object: { object: 'subscription', id: 'sub_y' } } }), 'id_missing'],
    ['no data.object', JSON.stringify({ id: 'evt_no_object', type: 'invoice.paid', data: {} }), 'data_object_missing'],
    ['an id of the wrong type', JSON.stringify({ id: 'evt_wrong_type', type: 'invoice.paid', data: { object: { object: 'invoice', id: 'in_1', parent: { subscription_details: { subscription: 42 } } } } }), 'object_id_invalid'],
  ])('a signed malformed body (%s) answers 200 ignored, never 5xx', async (_label, payload, reason) => {
    const res = await deliverSigned(payload);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, ignored: reason });
  });

  it('an event about an unknown subscription answers 200 ignored, and its redelivery is a duplicate (not retried forever)', async () => {
    const payload = JSON.stringify({
      id: `evt_unknown_${Date.now()}`,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'sub_doesnotexist', object: 'subscription', status: 'unpaid' } },
    });
    expect((await deliverSigned(payload)).body).toEqual({ received: true, ignored: 'unknown_subscription' });
    expect((await deliverSigned(payload)).body).toEqual({ received: true, duplicate: true });
  });
});

describe('the retention sweeps', () => {
  it('deprovisions a paused account past stackpro:billingRetentionDays with a final snapshot, and deletes that snapshot after its own retention', async () => {
    const customer = await suspendedWithoutCard();
    const snapshotsOf = async () => (await edge('GET', `/_sandbox/inventory?customer=${customer.customerId}`)).body.snapshots as any[];

    // Not yet: 29 days after the suspension.
    const early = await sweep('lapsed-accounts', Date.now() + 29 * DAY);
    expect(early.status).toBe(200);
    expect(early.body.result.deprovisioned).not.toContain(customer.customerId);
    expect((await status(customer)).status).toBe('suspended');

    const due = await sweep('lapsed-accounts', Date.now() + 31 * DAY);
    expect(due.body.result.deprovisioned).toContain(customer.customerId);
    const cancelled = await until(customer, 'cancelled', (b) => b.status === 'cancelled', 60_000);
    expect(cancelled.billing.subscriptionStatus).toBe('canceled');
    expect((await instanceOf(customer)).filter((i) => i.state !== 'terminated')).toEqual([]);
    const [backup] = await snapshotsOf();
    expect(backup).toMatchObject({ tags: expect.objectContaining({ Customer: customer.customerId, Purpose: 'final-backup' }) });

    // The next run finds nothing more to do for this account.
    expect((await sweep('lapsed-accounts', Date.now() + 32 * DAY)).body.result.deprovisioned).not.toContain(customer.customerId);

    // Final backups: kept for 89 days, deleted after 90 (stackpro:finalSnapshotRetentionDays).
    expect((await sweep('expired-snapshots', Date.now() + 89 * DAY)).body.result.deleted).not.toContain(backup.snapshotId);
    expect(await snapshotsOf()).toHaveLength(1);
    expect((await sweep('expired-snapshots', Date.now() + 91 * DAY)).body.result.deleted).toContain(backup.snapshotId);
    expect(await snapshotsOf()).toEqual([]);
  });

  it('keeps an account that added a card before the sweep came due', async () => {
    const customer = await suspendedWithoutCard();
    await simulate(customer, 'add_card');
    await until(customer, 'active again', (b) => b.status === 'active');
    expect((await sweep('lapsed-accounts', Date.now() + 31 * DAY)).body.result.deprovisioned).not.toContain(customer.customerId);
    expect((await status(customer)).status).toBe('active');
  });

  it('refuses a malformed sweep request with 400', async () => {
    expect((await edge('POST', '/_sandbox/schedules/run', { job: 'everything' })).status).toBe(400);
    expect((await edge('POST', '/_sandbox/schedules/run', { job: 'SweepLapsedAccounts', time: 'yesterday' })).status).toBe(400);
    expect((await edge('POST', '/_sandbox/billing/sweep', { sweep: 'lapsed-accounts' })).status).toBe(404);
  });
});
