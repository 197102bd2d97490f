import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { handler } from '../../../lambdas/api/receive-stripe-webhook';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { FakeBillingAccounts } from '../helpers/fake-billing-accounts';
import { InMemoryIdempotency } from '../helpers/in-memory-idempotency';

/**
 * Seeded property test over correctly SIGNED malformed bodies for POST /stripe/webhooks: whatever a signed
 * body holds (JSON null, a missing id or data.object, another type anywhere we read), the answer is never
 * a 5xx (Stripe would redeliver it for days), always a documented 2xx or 4xx, and no event is claimed under
 * an id it does not have. Change SEED to explore; a failure prints the seed and the body.
 */
const SEED = Number(process.env.WEBHOOK_FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.WEBHOOK_FUZZ_CASES ?? 3000);
const SECRET = 'whsec_unit_test_fuzz';
const realStripe = new Stripe('sk_test_unit');

const sub = (id: string, status: string, customerId: string, stripeCustomer: string) => ({
  id,
  object: 'subscription',
  customer: stripeCustomer,
  status,
  trial_end: 1_900_000_000,
  cancel_at_period_end: false,
  items: { data: [{ current_period_end: 1_900_000_000 }] },
  metadata: { customerId },
});
const missing = () => Object.assign(new Error('No such object'), { type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 404 });
const STRIPE_STATE: Record<string, ReturnType<typeof sub>> = {
  sub_A: sub('sub_A', 'paused', 'cust-a', 'cus_A'),
  sub_B: sub('sub_B', 'unpaid', 'cust-b', 'cus_B'),
  sub_C: sub('sub_C', 'canceled', 'cust-nobody', 'cus_C'),
};
const stripeApi = {
  subscriptions: {
    retrieve: async (id: string) => {
      if (!Object.hasOwn(STRIPE_STATE, id)) throw missing();
      return STRIPE_STATE[id];
    },
    resume: async (id: string) => ({ ...STRIPE_STATE[id], status: 'active' }),
  },
  setupIntents: {
    retrieve: async (id: string) => {
      if (id !== 'seti_A') throw missing();
      return { id, status: 'succeeded', customer: 'cus_A', payment_method: 'pm_card_visa' };
    },
  },
  customers: {
    retrieve: async (id: string) => {
      if (id !== 'cus_A' && id !== 'cus_B') throw missing();
      return { id, metadata: { customerId: id === 'cus_A' ? 'cust-a' : 'cust-b' } };
    },
    update: async (id: string) => ({ id }),
  },
};
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({ webhooks: realStripe.webhooks, ...stripeApi }),
  getWebhookSecret: async () => SECRET,
}));
jest.mock('../../../lambdas/notifications/customer-email', () => ({ sendCustomerEmail: async () => true }));

// Once-per-event is Powertools Idempotency; its DynamoDB records are tested in test/unit/repositories.
const mockStripeEvents = new InMemoryIdempotency('id');
jest.mock('../../../lambdas/repositories/idempotency-records', () => ({ idempotencyRecords: () => mockStripeEvents }));
// The accounts and billing repositories in memory (their conditions: test/unit/repositories/billing.test.ts).
const mockAccounts = new FakeBillingAccounts();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (customerId: string) => mockAccounts.getCustomer(customerId) }));
jest.mock('../../../lambdas/repositories/billing', () => ({
  saveBillingSnapshot: (...args: Parameters<FakeBillingAccounts['saveBillingSnapshot']>) => mockAccounts.saveBillingSnapshot(...args),
  transitionStatus: (...args: Parameters<FakeBillingAccounts['transitionStatus']>) => mockAccounts.transitionStatus(...args),
  recordIgnoredDelivery: (...args: Parameters<FakeBillingAccounts['recordIgnoredDelivery']>) => mockAccounts.recordIgnoredDelivery(...args),
}));
const sfn = mockClient(SFNClient);
/** Every case starts from these accounts, so no case depends on what an earlier one moved. */
const ACCOUNTS = [
  { customerId: 'cust-a', status: 'suspended', billing: { stripeCustomerId: 'cus_A', subscriptionId: 'sub_A' } },
  { customerId: 'cust-b', status: 'active', billing: { stripeCustomerId: 'cus_B', subscriptionId: 'sub_B' } },
];

/** mulberry32: small, fast, reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Realistic events of each kind we read, to be broken. */
function baseEvents(): Json[] {
  const envelope = (id: string, type: string, object: Json): Json => ({ id, object: 'event', api_version: '2025-01-01', created: 1_800_000_000, type, data: { object } });
  return [
    envelope('evt_sub', 'customer.subscription.updated', sub('sub_A', 'unpaid', 'cust-a', 'cus_A')),
    envelope('evt_del', 'customer.subscription.deleted', sub('sub_B', 'canceled', 'cust-a', 'cus_A')),
    envelope('evt_inv', 'invoice.payment_failed', { id: 'in_1', object: 'invoice', parent: { subscription_details: { subscription: 'sub_B' } } }),
    envelope('evt_paid', 'invoice.paid', { id: 'in_2', object: 'invoice', parent: { subscription_details: { subscription: 'sub_C' } } }),
    envelope('evt_co', 'checkout.session.completed', { id: 'cs_1', object: 'checkout.session', mode: 'setup', customer: 'cus_A', setup_intent: 'seti_A' }),
    envelope('evt_trial', 'customer.subscription.trial_will_end', sub('sub_X', 'trialing', 'cust-b', 'cus_B')),
  ];
}

function anyValue(rand: () => number, depth = 0): Json {
  const pick = Math.floor(rand() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return Math.floor(rand() * 2 ** 31) * (rand() < 0.5 ? -1 : 1);
    case 3: return ['', 'sub_A', 'sub_B', 'cus_A', 'seti_A', 'evt_x', 'pm_card_visa', 'in_1', '../../v1/customers', 'sub_A?expand[]=x', '\u0000', 'x'.repeat(300)][Math.floor(rand() * 12)];
    case 4: return rand() * 1e6;
    case 5: return 'setup';
    case 6: return Array.from({ length: Math.floor(rand() * 3) }, () => anyValue(rand, depth + 1));
    case 7: return Object.fromEntries(['id', 'object', 'subscription', 'customer'].filter(() => rand() < 0.5).map((k) => [k, anyValue(rand, depth + 1)]));
    default: return { object: ['subscription', 'invoice', 'checkout.session'][Math.floor(rand() * 3)], id: anyValue(rand, depth + 1) };
  }
}

/** Every member path of a value, so a mutation can hit any depth. */
function paths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const own = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
  return [prefix, ...own.flatMap((key) => paths((value as Record<string, Json>)[key], [...prefix, key]))];
}

function mutate(base: Json, rand: () => number): Json {
  let value = structuredClone(base);
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i += 1) {
    const all = paths(value);
    const path = all[Math.floor(rand() * all.length)];
    if (path.length === 0) {
      value = rand() < 0.7 ? anyValue(rand) : value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key], value) as Record<string, Json>;
    const key = path[path.length - 1];
    if (rand() < 0.3 && !Array.isArray(parent)) delete parent[key];
    else parent[key] = anyValue(rand);
  }
  return value;
}

function body(rand: () => number, bases: Json[]): string {
  const roll = rand();
  if (roll < 0.05) return ['null', 'true', '0', '""', '[]', '{}', '"evt_1"', '{"id":null}'][Math.floor(rand() * 8)];
  const text = JSON.stringify(mutate(bases[Math.floor(rand() * bases.length)], rand));
  // Truncated or doubled JSON: still signed, not parseable.
  if (roll < 0.1) return text.slice(0, Math.floor(rand() * text.length));
  if (roll < 0.12) return `${text}${text}`;
  return text;
}

beforeEach(() => {
  mockStripeEvents.clear();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const DOCUMENTED_IGNORED = new Set([
  'body_not_json',
  'body_not_object',
  'id_missing',
  'type_missing',
  'data_object_missing',
  'object_id_invalid',
  'unknown_subscription',
  'unknown_customer',
  'not_our_customer',
  'checkout_not_usable',
]);

it(`answers ${CASES} signed malformed bodies without a single 5xx (seed ${SEED})`, async () => {
  const rand = random(SEED);
  const bases = baseEvents();
  const failures: string[] = [];
  const answers = new Map<string, number>();
  for (let i = 0; i < CASES; i += 1) {
    const payload = body(rand, bases);
    mockAccounts.reset(ACCOUNTS);
    const header = realStripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const res = await handler(apiEvent({ path: '/stripe/webhooks', headers: { 'Stripe-Signature': header }, body: payload }), lambdaContext);
    const answer = res.statusCode === 200 ? bodyOf(res) : bodyOf(res).error?.code;
    const label = res.statusCode === 200 ? (answer.ignored ?? (answer.duplicate ? 'duplicate' : 'applied')) : `${res.statusCode} ${answer}`;
    answers.set(label, (answers.get(label) ?? 0) + 1);
    const documented = res.statusCode === 200 ? answer.ignored === undefined || DOCUMENTED_IGNORED.has(answer.ignored) : res.statusCode === 400 && answer === 'INVALID_SIGNATURE';
    if (res.statusCode >= 500 || !documented) failures.push(`case ${i}: ${res.statusCode} ${res.body} for ${payload.slice(0, 300)}`);
  }
  // Claims only ever go to real event ids: id-less bodies cannot collapse into one "duplicate".
  const claimed = [...mockStripeEvents.keys];
  expect(claimed.length).toBeGreaterThan(0);
  expect(claimed.filter((id) => typeof id !== 'string' || !/^evt_[A-Za-z0-9_]+$/.test(id))).toEqual([]);
  expect(failures.slice(0, 5)).toEqual([]);
  // The generator reaches every kind of answer, or the property proves little.
  expect([...answers.keys()]).toEqual(expect.arrayContaining(['applied', 'body_not_json', 'body_not_object', 'id_missing', 'data_object_missing', 'unknown_subscription']));
}, 120_000);
