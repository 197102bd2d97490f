/* eslint-disable @typescript-eslint/no-explicit-any -- status and sandbox bodies are asserted field by field */
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { sharedLocalStack } from './local-stack-process';

/**
 * Billing end to end on the shared local stack: provisioning sets up Stripe (the sandbox's Stripe API),
 * and each simulated scenario delivers real signed events to the webhook route; the account, the
 * sandbox inventory and the outbox must end in the documented state, also with duplicated and shuffled
 * delivery.
 */
const { edgeUrl } = sharedLocalStack();

async function edge(method: string, path: string, json?: unknown) {
  const res = await fetch(`${edgeUrl}${path}`, {
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
  return (await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken })).body;
}

async function until(customer: Live, what: string, check: (body: any) => boolean) {
  return eventually(async () => {
    const body = await status(customer);
    return check(body) ? body : undefined;
  }, 30_000, what);
}

async function activeCustomer(): Promise<Live> {
  const signup = newSignup();
  const created = (await signUpVerified(signup)).body;
  const customer = { ...created, email: signup.email.trim().toLowerCase() };
  await until(customer, 'active with billing set up', (b) => b.status === 'active' && b.billing?.subscriptionStatus === 'trialing');
  return customer;
}

async function simulate(customer: Live, scenario: string, options: Record<string, unknown> = {}) {
  const res = await edge('POST', '/_sandbox/stripe/simulate', { customerId: customer.customerId, scenario, ...options });
  expect(res.status).toBe(200);
  for (const delivery of res.body.deliveries) expect(delivery.status).toBe(200);
  return res.body;
}

async function instanceOf(customer: Live) {
  const { body } = await edge('GET', '/_sandbox/inventory?all=true');
  return body.instances.filter((i: any) => i.tags.Customer === customer.customerId && !['terminated', 'shutting-down'].includes(i.state));
}

async function mails(customer: Live) {
  const { body } = await edge('GET', '/_sandbox/outbox');
  return (body.emails as any[]).filter((e) => [e.to].flat().includes(customer.email)).map((e) => e.subject as string);
}

describe('billing on the local stack', () => {
  it('sets up a Stripe customer and a trial subscription during provisioning', async () => {
    const customer = await activeCustomer();
    const body = await status(customer);
    expect(body.billing).toMatchObject({ stripeCustomerId: expect.stringMatching(/^cus_/), subscriptionStatus: 'trialing', cancelAtPeriodEnd: false });
    expect(Date.parse(body.billing.trialEndsAt)).toBeCloseTo(Date.parse(body.trialEndsAt), -4);
  });

  it('sends a trial reminder once, however often the event is delivered', async () => {
    const customer = await activeCustomer();
    await simulate(customer, 'trial_will_end', { duplicate: true });
    await eventually(async () => ((await mails(customer)).some((s) => /trial/i.test(s)) ? true : undefined), 10_000, 'the reminder');
    expect((await mails(customer)).filter((s) => /trial/i.test(s))).toHaveLength(1);
    expect((await status(customer)).status).toBe('active');
  });

  it('warns on a failed payment and keeps the service up, then suspends when unpaid and resumes on payment', async () => {
    const customer = await activeCustomer();
    const before = (await status(customer)).publicIp;

    await simulate(customer, 'payment_fails', { duplicate: true, shuffle: true });
    await until(customer, 'past due', (b) => b.status === 'past_due');
    expect((await instanceOf(customer))[0].state).toBe('running');
    expect((await mails(customer)).filter((s) => /payment/i.test(s))).toHaveLength(1);

    await simulate(customer, 'payment_fails', { duplicate: true, shuffle: true });
    const suspended = await until(customer, 'suspended', (b) => b.status === 'suspended');
    expect(suspended.billing.subscriptionStatus).toBe('unpaid');
    expect((await instanceOf(customer))[0].state).toBe('stopped');
    // The stopped instance's IP went back to EC2: the subdomain must not point at it any more.
    const parked = (await edge('GET', '/_sandbox/inventory')).body.records.filter((r: any) => r.type === 'A' && r.name.replace(/\.$/, '') === customer.subdomain);
    expect(parked).toEqual([]);

    await simulate(customer, 'payment_recovers', { duplicate: true, shuffle: true });
    const resumed = await until(customer, 'active again', (b) => b.status === 'active');
    expect((await instanceOf(customer))[0].state).toBe('running');
    // A stopped instance comes back with a new public IP; DNS follows it.
    expect(resumed.publicIp).not.toBe(before);
    const { body } = await edge('GET', '/_sandbox/inventory');
    expect(body.records).toContainEqual(expect.objectContaining({ name: expect.stringMatching(new RegExp(`^${customer.subdomain}\\.?$`)), type: 'A', values: [resumed.publicIp] }));
  });

  it('suspends (stops, never deletes) when the trial ends without a card', async () => {
    const customer = await activeCustomer();
    await simulate(customer, 'trial_ends_without_card', { shuffle: true });
    const body = await until(customer, 'suspended', (b) => b.status === 'suspended');
    expect(body.billing.subscriptionStatus).toBe('paused');
    expect((await instanceOf(customer))[0].state).toBe('stopped');
  });

  it('keeps serving a subscription cancelled at period end', async () => {
    const customer = await activeCustomer();
    await simulate(customer, 'cancel');
    const body = await until(customer, 'cancel at period end recorded', (b) => b.billing.cancelAtPeriodEnd === true);
    expect(body.status).toBe('active');
  });

  it('deprovisions a deleted subscription after the retention period: snapshot kept, the rest removed, account kept', async () => {
    const customer = await activeCustomer();
    await simulate(customer, 'delete', { duplicate: true, shuffle: true });
    const body = await until(customer, 'cancelled', (b) => b.status === 'cancelled');
    expect(body.customerId).toBe(customer.customerId);
    expect(await instanceOf(customer)).toEqual([]);
    const { body: inventory } = await edge('GET', '/_sandbox/inventory');
    expect(inventory.records.filter((r: any) => r.name.replace(/\.$/, '').endsWith(customer.subdomain))).toEqual([]);
    expect(inventory.identities.filter((i: any) => i.identity === customer.subdomain)).toEqual([]);
    if (inventory.snapshots) {
      expect(inventory.snapshots.some((s: any) => (s.tags?.Customer ?? s.tags?.find?.((t: any) => t.Key === 'Customer')?.Value) === customer.customerId)).toBe(true);
    }
  });

  it('refuses forged webhooks', async () => {
    const res = await call('POST', '/stripe/webhooks', { body: '{"id":"evt_forged","type":"customer.subscription.deleted"}', headers: { 'stripe-signature': 't=1,v1=deadbeef' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_SIGNATURE');
  });

  it('billing sessions return Stripe URLs for the caller only', async () => {
    const customer = await activeCustomer();
    const checkout = await call('POST', '/billing/checkout-session', { token: customer.accessToken });
    expect(checkout.status).toBe(200);
    expect(checkout.body.url).toMatch(/^https?:\/\//);
    const portal = await call('POST', '/billing/portal-session', { token: customer.accessToken });
    expect(portal.status).toBe(200);
    expect(portal.body.url).toMatch(/^https?:\/\//);
    expect((await call('POST', '/billing/portal-session')).status).toBe(401);
  });
});
