import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { handler } from '../../../lambdas/api/receive-stripe-webhook';
import { STRIPE_KEYS_PLACEHOLDER } from '../../../lambdas/core/stripe-keys';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { FakeBillingAccounts } from '../helpers/fake-billing-accounts';
import { InMemoryIdempotency } from '../helpers/in-memory-idempotency';

/**
 * The webhook's edges (issue 7, "Billing edges"): signed but unusable bodies, events about subscriptions
 * or customers that are not ours, the other tenant, a placeholder secret, and a saved card resuming a paused
 * subscription. Stripe is mocked at its client, the accounts and billing repositories with an in-memory fake that
 * keeps what is written (their conditions are proven in test/unit/repositories/billing.test.ts), and Step Functions
 * with aws-sdk-client-mock.
 */
let webhookSecret = 'whsec_unit_test_edges';
const realStripe = new Stripe('sk_test_unit');
const stripeApi = {
  subscriptions: { retrieve: jest.fn(), resume: jest.fn() },
  setupIntents: { retrieve: jest.fn() },
  customers: { retrieve: jest.fn(), update: jest.fn() },
};
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({ webhooks: realStripe.webhooks, ...stripeApi }),
  getWebhookSecret: async () => webhookSecret,
}));
jest.mock('../../../lambdas/notifications/customer-email', () => ({ sendCustomerEmail: async () => true }));

// Once-per-event is Powertools Idempotency; its DynamoDB records are tested in test/unit/repositories.
const mockStripeEvents = new InMemoryIdempotency('id');
jest.mock('../../../lambdas/repositories/idempotency-records', () => ({ idempotencyRecords: () => mockStripeEvents }));
/** Accounts by id, as the accounts repository finds them. */
const mockAccounts = new FakeBillingAccounts();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (customerId: string) => mockAccounts.getCustomer(customerId) }));
jest.mock('../../../lambdas/repositories/billing', () => ({
  saveBillingSnapshot: (...args: Parameters<FakeBillingAccounts['saveBillingSnapshot']>) => mockAccounts.saveBillingSnapshot(...args),
  transitionStatus: (...args: Parameters<FakeBillingAccounts['transitionStatus']>) => mockAccounts.transitionStatus(...args),
  recordIgnoredDelivery: (...args: Parameters<FakeBillingAccounts['recordIgnoredDelivery']>) => mockAccounts.recordIgnoredDelivery(...args),
}));
const sfn = mockClient(SFNClient);

const missing = () => Object.assign(new Error('No such subscription'), { type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 404 });

const subscription = (id: string, customerId: string, stripeCustomer: string, status: string) => ({
  id,
  object: 'subscription',
  customer: stripeCustomer,
  status,
  trial_end: 1_900_000_000,
  cancel_at_period_end: false,
  items: { data: [{ current_period_end: 1_900_000_000 }] },
  metadata: { customerId },
});

function sign(payload: string): string {
  return realStripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
}

function deliver(payload: string, header = sign(payload)) {
  return handler(apiEvent({ path: '/stripe/webhooks', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header }, body: payload }), lambdaContext);
}

const event = (type: string, object: unknown, id: unknown = `evt_${Math.random().toString(36).slice(2)}`) =>
  JSON.stringify({ id, object: 'event', type, created: 1_800_000_000, data: { object } });

beforeEach(() => {
  webhookSecret = 'whsec_unit_test_edges';
  mockStripeEvents.clear();
  sfn.reset();
  for (const group of Object.values(stripeApi)) for (const fn of Object.values(group)) fn.mockReset();
  mockAccounts.reset([
    { customerId: 'cust-a', status: 'active', billing: { stripeCustomerId: 'cus_A', subscriptionId: 'sub_A' } },
    { customerId: 'cust-b', status: 'active', billing: { stripeCustomerId: 'cus_B', subscriptionId: 'sub_B' } },
  ]);
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

/** The ignored deliveries recorded (the record's key and TTL are the repository's: test/unit/repositories/billing.test.ts). */
const ignoredRecords = () => mockAccounts.writes.filter((write) => write.write === 'ignored');
/** The statuses accounts moved to, each under its from-condition. */
const statusMoves = () => mockAccounts.statusMoves();

describe('POST /stripe/webhooks: signed but malformed', () => {
  it.each([
    ['JSON null', 'null', 'body_not_object'],
    ['a JSON array', '[1,2]', 'body_not_object'],
    ['not JSON at all', '{"id": "evt_1", ', 'body_not_json'],
    ['no id', JSON.stringify({ type: 'customer.subscription.updated', data: { object: { object: 'subscription', id: 'sub_A' } } }), 'id_missing'],
    ['a numeric id', JSON.stringify({ id: 42, type: 'invoice.paid', data: { object: {} } }), 'id_missing'],
    ['no type', JSON.stringify({ id: 'evt_1', data: { object: {} } }), 'type_missing'],
    ['no data.object', JSON.stringify({ id: 'evt_1', type: 'invoice.paid', data: {} }), 'data_object_missing'],
    ['data.object null', JSON.stringify({ id: 'evt_1', type: 'invoice.paid', data: { object: null } }), 'data_object_missing'],
  ])('answers 200 ignored (%s), records it by body hash and claims nothing', async (_label, payload, reason) => {
    const res = await deliver(payload);
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ received: true, ignored: reason });
    expect(ignoredRecords()).toEqual([{ write: 'ignored', bodyHash: expect.stringMatching(/^[0-9a-f]{64}$/), reason }]);
    expect(mockAccounts.customersWritten()).toEqual([]);
    expect(stripeApi.subscriptions.retrieve).not.toHaveBeenCalled();
  });

  it('never lets two different id-less events collapse into one duplicate', async () => {
    const first = await deliver(JSON.stringify({ type: 'customer.subscription.deleted', data: { object: { object: 'subscription', id: 'sub_A' } } }));
    const second = await deliver(JSON.stringify({ type: 'customer.subscription.deleted', data: { object: { object: 'subscription', id: 'sub_B' } } }));
    expect([bodyOf(first), bodyOf(second)]).toEqual([
      { received: true, ignored: 'id_missing' },
      { received: true, ignored: 'id_missing' },
    ]);
    const [a, b] = ignoredRecords();
    expect(a.bodyHash).not.toBe(b.bodyHash);
    expect(mockStripeEvents.records.size).toBe(0);
  });

  it('ignores an object id of the wrong type or shape instead of fetching it', async () => {
    for (const id of [7, ['sub_A'], 'sub_A/../../customers', '']) {
      const res = await deliver(event('customer.subscription.updated', { object: 'subscription', id }));
      expect(res.statusCode).toBe(200);
      if (id !== '') expect(bodyOf(res).ignored).toBe('object_id_invalid');
    }
    expect(stripeApi.subscriptions.retrieve).not.toHaveBeenCalled();
  });
});

describe('POST /stripe/webhooks: signed, about something that is not ours', () => {
  it('answers 200 ignored for an unknown subscription, and records the event as done so a redelivery is a duplicate', async () => {
    stripeApi.subscriptions.retrieve.mockRejectedValue(missing());
    const res = await deliver(event('customer.subscription.updated', subscription('sub_gone', 'cust-a', 'cus_A', 'unpaid'), 'evt_unknown_sub'));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ received: true, ignored: 'unknown_subscription' });
    expect(mockStripeEvents.statuses()).toEqual(['COMPLETED']);
    expect([...mockStripeEvents.records.values()][0].responseData).toEqual({ outcome: 'ignored: unknown_subscription', ignored: 'unknown_subscription' });
    expect(statusMoves()).toEqual([]);
    expect(bodyOf(await deliver(event('customer.subscription.updated', subscription('sub_gone', 'cust-a', 'cus_A', 'unpaid'), 'evt_unknown_sub')))).toEqual({ received: true, duplicate: true });
  });

  it('answers 200 ignored for a subscription whose customer has no account here', async () => {
    stripeApi.subscriptions.retrieve.mockResolvedValue(subscription('sub_X', 'cust-nobody', 'cus_X', 'unpaid'));
    const res = await deliver(event('customer.subscription.updated', subscription('sub_X', 'cust-nobody', 'cus_X', 'unpaid')));
    expect(bodyOf(res)).toEqual({ received: true, ignored: 'unknown_customer' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("the other tenant: an event naming B's subscription with A's metadata never moves A", async () => {
    // Stripe's own copy of sub_B belongs to B and is active; the event claims it is A's and unpaid.
    stripeApi.subscriptions.retrieve.mockResolvedValue(subscription('sub_B', 'cust-b', 'cus_B', 'active'));
    const res = await deliver(event('customer.subscription.updated', subscription('sub_B', 'cust-a', 'cus_A', 'unpaid')));
    expect(res.statusCode).toBe(200);
    expect(statusMoves()).toEqual([]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(mockAccounts.customersWritten()).not.toContain('cust-a');
    expect(mockAccounts.account('cust-a')).toMatchObject({ status: 'active', billing: { stripeCustomerId: 'cus_A', subscriptionId: 'sub_A' } });
  });

  it("refuses a subscription whose metadata names an account with another Stripe customer", async () => {
    stripeApi.subscriptions.retrieve.mockResolvedValue(subscription('sub_M', 'cust-a', 'cus_MALLORY', 'canceled'));
    const res = await deliver(event('customer.subscription.deleted', subscription('sub_M', 'cust-a', 'cus_MALLORY', 'canceled')));
    expect(bodyOf(res)).toEqual({ received: true, ignored: 'not_our_customer' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('POST /stripe/webhooks: a placeholder secret fails closed', () => {
  it.each([STRIPE_KEYS_PLACEHOLDER, 'not-a-whsec', ''])('refuses every delivery with 503 WEBHOOK_NOT_CONFIGURED (%s), even one signed with it', async (secret) => {
    webhookSecret = secret;
    const payload = event('customer.subscription.deleted', subscription('sub_A', 'cust-a', 'cus_A', 'canceled'));
    const res = await deliver(payload, secret ? sign(payload) : 't=1,v1=00');
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error.code).toBe('WEBHOOK_NOT_CONFIGURED');
    expect(res.headers?.['Retry-After']).toBe('300');
    expect(mockAccounts.calls).toBe(0);
    expect(stripeApi.subscriptions.retrieve).not.toHaveBeenCalled();
  });
});

describe('POST /stripe/webhooks: checkout.session.completed (setup mode)', () => {
  const session = (overrides: Record<string, unknown> = {}) => ({
    id: 'cs_test_1',
    object: 'checkout.session',
    mode: 'setup',
    customer: 'cus_A',
    setup_intent: 'seti_1',
    status: 'complete',
    ...overrides,
  });

  beforeEach(() => {
    mockAccounts.account('cust-a')!.status = 'suspended';
    stripeApi.setupIntents.retrieve.mockResolvedValue({ id: 'seti_1', object: 'setup_intent', status: 'succeeded', customer: 'cus_A', payment_method: 'pm_card_visa' });
    stripeApi.customers.retrieve.mockResolvedValue({ id: 'cus_A', object: 'customer', metadata: { customerId: 'cust-a' } });
    stripeApi.customers.update.mockResolvedValue({ id: 'cus_A' });
    stripeApi.subscriptions.retrieve.mockResolvedValue(subscription('sub_A', 'cust-a', 'cus_A', 'paused'));
    stripeApi.subscriptions.resume.mockResolvedValue(subscription('sub_A', 'cust-a', 'cus_A', 'active'));
  });

  it('makes the new card the default, resumes the paused subscription and the account, idempotently', async () => {
    const res = await deliver(event('checkout.session.completed', session(), 'evt_checkout'));
    expect(res.statusCode).toBe(200);
    expect(stripeApi.customers.update).toHaveBeenCalledWith(
      'cus_A',
      { invoice_settings: { default_payment_method: 'pm_card_visa' } },
      { idempotencyKey: 'default-payment-method-seti_1' },
    );
    expect(stripeApi.subscriptions.resume).toHaveBeenCalledWith('sub_A', {}, { idempotencyKey: 'resume-sub_A-seti_1' });
    expect(statusMoves()).toEqual([{ customerId: 'cust-a', to: 'resuming' }]);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn).toContain('ResumeCustomer');
  });

  it("takes Stripe's current state when the subscription was resumed meanwhile (two cards added at once)", async () => {
    stripeApi.subscriptions.retrieve
      .mockResolvedValueOnce(subscription('sub_A', 'cust-a', 'cus_A', 'paused'))
      .mockResolvedValueOnce(subscription('sub_A', 'cust-a', 'cus_A', 'active'));
    stripeApi.subscriptions.resume.mockRejectedValue(Object.assign(new Error('not paused'), { type: 'StripeInvalidRequestError', code: 'subscription_not_paused' }));
    const res = await deliver(event('checkout.session.completed', session()));
    expect(res.statusCode).toBe(200);
    expect(statusMoves()).toEqual([{ customerId: 'cust-a', to: 'resuming' }]);
  });

  it('saves the card without resuming a subscription that is not paused', async () => {
    mockAccounts.account('cust-a')!.status = 'active';
    stripeApi.subscriptions.retrieve.mockResolvedValue(subscription('sub_A', 'cust-a', 'cus_A', 'trialing'));
    await deliver(event('checkout.session.completed', session()));
    expect(stripeApi.customers.update).toHaveBeenCalled();
    expect(stripeApi.subscriptions.resume).not.toHaveBeenCalled();
  });

  it.each([
    ['a SetupIntent of another customer', () => stripeApi.setupIntents.retrieve.mockResolvedValue({ id: 'seti_1', status: 'succeeded', customer: 'cus_B', payment_method: 'pm_card_visa' }), 'checkout_not_usable'],
    ['a SetupIntent that did not succeed', () => stripeApi.setupIntents.retrieve.mockResolvedValue({ id: 'seti_1', status: 'requires_payment_method', customer: 'cus_A', payment_method: null }), 'checkout_not_usable'],
    ['an unknown SetupIntent', () => stripeApi.setupIntents.retrieve.mockRejectedValue(missing()), 'checkout_not_usable'],
    ["a Stripe customer whose metadata names B's account", () => stripeApi.customers.retrieve.mockResolvedValue({ id: 'cus_A', metadata: { customerId: 'cust-b' } }), 'not_our_customer'],
  ])('changes nothing for %s', async (_label, arrange, reason) => {
    arrange();
    const res = await deliver(event('checkout.session.completed', session()));
    expect(bodyOf(res)).toEqual({ received: true, ignored: reason });
    expect(stripeApi.customers.update).not.toHaveBeenCalled();
    expect(stripeApi.subscriptions.resume).not.toHaveBeenCalled();
    expect(statusMoves()).toEqual([]);
  });

  it('leaves payment-mode sessions and sessions without ids alone', async () => {
    expect(bodyOf(await deliver(event('checkout.session.completed', session({ mode: 'payment' }))))).toEqual({ received: true });
    expect(bodyOf(await deliver(event('checkout.session.completed', session({ setup_intent: { nested: true } }))))).toEqual({ received: true, ignored: 'checkout_not_usable' });
    expect(stripeApi.setupIntents.retrieve).not.toHaveBeenCalled();
  });
});
