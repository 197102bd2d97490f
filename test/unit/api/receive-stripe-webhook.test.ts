import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { handler } from '../../../lambdas/api/receive-stripe-webhook';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { FakeBillingAccounts } from '../helpers/fake-billing-accounts';
import { InMemoryIdempotency } from '../helpers/in-memory-idempotency';

const WEBHOOK_SECRET = 'whsec_unit_test';
const retrieve = jest.fn();
const realStripe = new Stripe('sk_test_unit');
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({ webhooks: realStripe.webhooks, subscriptions: { retrieve } }),
  getWebhookSecret: async () => WEBHOOK_SECRET,
}));
const sendCustomerEmail = jest.fn(async () => true);
jest.mock('../../../lambdas/notifications/customer-email', () => ({ sendCustomerEmail: (...args: unknown[]) => sendCustomerEmail(...(args as [])) }));

// Once-per-event is Powertools Idempotency; its DynamoDB records are tested in test/unit/repositories.
const mockStripeEvents = new InMemoryIdempotency('id');
jest.mock('../../../lambdas/repositories/idempotency-records', () => ({ idempotencyRecords: () => mockStripeEvents }));
// The account and its billing writes in memory; their conditions are proven in test/unit/repositories/billing.test.ts.
const mockAccounts = new FakeBillingAccounts();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (customerId: string) => mockAccounts.getCustomer(customerId) }));
jest.mock('../../../lambdas/repositories/billing', () => ({
  saveBillingSnapshot: (...args: Parameters<FakeBillingAccounts['saveBillingSnapshot']>) => mockAccounts.saveBillingSnapshot(...args),
  transitionStatus: (...args: Parameters<FakeBillingAccounts['transitionStatus']>) => mockAccounts.transitionStatus(...args),
  recordIgnoredDelivery: (...args: Parameters<FakeBillingAccounts['recordIgnoredDelivery']>) => mockAccounts.recordIgnoredDelivery(...args),
}));
const sfn = mockClient(SFNClient);

const subscription = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'sub_1',
  object: 'subscription',
  customer: 'cus_1',
  status,
  trial_end: 1_900_000_000,
  cancel_at_period_end: false,
  items: { data: [{ current_period_end: 1_900_000_000 }] },
  metadata: { customerId: 'cust-1' },
  ...extra,
});

function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${Math.random().toString(36).slice(2)}`) {
  return JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
}

function deliver(payload: string, options: { secret?: string; timestamp?: number; base64?: boolean } = {}) {
  const header = realStripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, timestamp: options.timestamp });
  return handler(
    apiEvent({
      path: '/stripe/webhooks',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
      body: options.base64 ? Buffer.from(payload).toString('base64') : payload,
      isBase64Encoded: Boolean(options.base64),
    }),
    lambdaContext,
  );
}

const account = (status: string, extra: Record<string, unknown> = {}) => ({ customerId: 'cust-1', status, email: 'ada@example.com', ...extra });
beforeEach(() => {
  mockAccounts.reset([account('active')]);
  mockStripeEvents.clear();
  sfn.reset();
  retrieve.mockReset();
  sendCustomerEmail.mockClear();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const starts = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
/** The statuses the account moved to (each move applied under its from-condition). */
const statusMoves = () => mockAccounts.statusMoves().map((move) => move.to);
const statusNow = () => mockAccounts.account('cust-1')?.status;

describe('POST /stripe/webhooks: verification', () => {
  it('accepts a correctly signed delivery, also when API Gateway base64-encoded the body', async () => {
    retrieve.mockResolvedValue(subscription('trialing'));
    expect((await deliver(stripeEvent('customer.subscription.updated', subscription('trialing')))).statusCode).toBe(200);
    expect((await deliver(stripeEvent('customer.subscription.updated', subscription('trialing')), { base64: true })).statusCode).toBe(200);
  });

  it.each([
    ['unsigned', async () => handler(apiEvent({ path: '/stripe/webhooks', body: stripeEvent('x', {}) }), lambdaContext)],
    ['signed with another secret', async () => deliver(stripeEvent('x', {}), { secret: 'whsec_forged' })],
    ['older than the 5-minute tolerance', async () => deliver(stripeEvent('x', {}), { timestamp: Math.floor(Date.now() / 1000) - 600 })],
    [
      'tampered after signing',
      async () => {
        const payload = stripeEvent('customer.subscription.updated', subscription('active'));
        const header = realStripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
        return handler(apiEvent({ path: '/stripe/webhooks', headers: { 'Stripe-Signature': header }, body: payload.replace('active', 'canceled') }), lambdaContext);
      },
    ],
  ])('answers 400 INVALID_SIGNATURE to a delivery %s, touching nothing', async (_label, send) => {
    const res = await send();
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_SIGNATURE');
    expect(mockAccounts.calls).toBe(0);
    expect(retrieve).not.toHaveBeenCalled();
  });
});

describe('POST /stripe/webhooks: once per event', () => {
  it('acknowledges a duplicate delivery without applying it again', async () => {
    retrieve.mockResolvedValue(subscription('unpaid'));
    const payload = stripeEvent('customer.subscription.updated', subscription('unpaid'), 'evt_dup');
    expect(bodyOf(await deliver(payload))).toEqual({ received: true });
    retrieve.mockClear();
    sfn.resetHistory();
    const res = await deliver(payload);
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ received: true, duplicate: true });
    expect(retrieve).not.toHaveBeenCalled();
    expect(starts()).toHaveLength(0);
  });

  it('applies an event delivered twice at once only once: the second answers as a duplicate', async () => {
    let answerStripe!: () => void;
    retrieve.mockReturnValue(new Promise((resolve) => (answerStripe = () => resolve(subscription('unpaid')))));
    const payload = stripeEvent('customer.subscription.updated', subscription('unpaid'), 'evt_burst');
    const first = deliver(payload);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await deliver(payload);
    answerStripe();
    expect([bodyOf(await first), bodyOf(second)]).toEqual([{ received: true }, { received: true, duplicate: true }]);
    expect(retrieve).toHaveBeenCalledTimes(1);
    expect(starts()).toHaveLength(1);
    expect(mockStripeEvents.statuses()).toEqual(['COMPLETED']);
  });

  it('forgets the event when applying fails, so Stripe redelivers it and the redelivery applies it', async () => {
    retrieve.mockRejectedValue(Object.assign(new Error('down'), { name: 'StripeConnectionError' }));
    const payload = stripeEvent('customer.subscription.updated', subscription('unpaid'), 'evt_fail');
    const res = await deliver(payload);
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    expect(mockStripeEvents.records.size).toBe(0);

    retrieve.mockResolvedValue(subscription('unpaid'));
    expect(bodyOf(await deliver(payload))).toEqual({ received: true });
    expect(starts()).toHaveLength(1);
  });
});

describe('POST /stripe/webhooks: the lifecycle', () => {
  it('trusts the current subscription from Stripe, not the event snapshot', async () => {
    retrieve.mockResolvedValue(subscription('active'));
    // A stale event says unpaid, but the subscription is active again by now: nothing is suspended.
    await deliver(stripeEvent('customer.subscription.updated', subscription('unpaid')));
    expect(retrieve).toHaveBeenCalledWith('sub_1');
    expect(starts()).toHaveLength(0);
  });

  it.each(['unpaid', 'paused', 'canceled'])('suspends an active customer whose subscription is %s', async (status) => {
    retrieve.mockResolvedValue(subscription(status));
    await deliver(stripeEvent('customer.subscription.updated', subscription(status)));
    expect(statusMoves()).toEqual(['suspending']);
    expect(statusNow()).toBe('suspending');
    expect(starts()[0]).toMatchObject({ stateMachineArn: expect.stringContaining('SuspendCustomer') });
    expect(JSON.parse(starts()[0].input!)).toEqual({ customerId: 'cust-1', reason: status });
  });

  it('schedules one deprovisioning after the retention period when the subscription is deleted', async () => {
    retrieve.mockResolvedValue(subscription('canceled'));
    await deliver(stripeEvent('customer.subscription.deleted', subscription('canceled')));
    const deprovision = starts().find((s) => s.stateMachineArn!.includes('DeprovisionCustomer'))!;
    expect(deprovision.name).toBe('deprovision-cust-1-sub_1');
    expect(JSON.parse(deprovision.input!)).toEqual({ customerId: 'cust-1', retentionSeconds: 30 * 24 * 3600 });

    // Delivered again under another event id: the same execution name is refused, which is fine.
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(statusNow()).toBe('suspending');
    expect((await deliver(stripeEvent('customer.subscription.deleted', subscription('canceled')))).statusCode).toBe(200);
  });

  it('resumes a suspended customer whose payment recovered', async () => {
    mockAccounts.reset([account('suspended')]);
    retrieve.mockResolvedValue(subscription('active'));
    await deliver(stripeEvent('invoice.paid', { object: 'invoice', id: 'in_2', parent: { subscription_details: { subscription: 'sub_1' } } }));
    expect(statusMoves()).toEqual(['resuming']);
    expect(starts()[0].stateMachineArn).toContain('ResumeCustomer');
  });

  it('leaves a customer an operator suspended suspended, whatever Stripe says, until an operator resumes', async () => {
    mockAccounts.reset([account('suspended', { operatorHold: { at: '2026-11-30T10:00:00.000Z', by: 'op' } })]);
    retrieve.mockResolvedValue(subscription('active'));
    const res = await deliver(stripeEvent('invoice.paid', { object: 'invoice', id: 'in_3', parent: { subscription_details: { subscription: 'sub_1' } } }));
    expect(res.statusCode).toBe(200);
    expect(statusMoves()).toEqual([]);
    expect(statusNow()).toBe('suspended');
    expect(starts()).toHaveLength(0);
  });

  it('marks past due and warns by email, keeping the service up', async () => {
    retrieve.mockResolvedValue(subscription('past_due'));
    await deliver(stripeEvent('invoice.payment_failed', { object: 'invoice', id: 'in_3', parent: { subscription_details: { subscription: 'sub_1' } } }));
    expect(statusMoves()).toEqual(['past_due']);
    expect(starts()).toHaveLength(0);
    expect(sendCustomerEmail).toHaveBeenCalledWith(expect.objectContaining({ customerId: 'cust-1' }), 'payment_failed', 'in_3');
  });

  it('sends the trial reminder once per trial', async () => {
    retrieve.mockResolvedValue(subscription('trialing'));
    await deliver(stripeEvent('customer.subscription.trial_will_end', subscription('trialing')));
    expect(sendCustomerEmail).toHaveBeenCalledWith(expect.objectContaining({ customerId: 'cust-1' }), 'trial_ending', 'sub_1-1900000000');
  });

  it('puts the status back when the workflow cannot be started, and fails so Stripe retries', async () => {
    retrieve.mockResolvedValue(subscription('unpaid'));
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('x'), { name: 'ServiceUnavailable' }));
    const res = await deliver(stripeEvent('customer.subscription.updated', subscription('unpaid')));
    expect(res.statusCode).toBe(503);
    expect(statusMoves()).toEqual(['suspending', 'active']);
    expect(statusNow()).toBe('active');
  });

  it('ignores subscriptions that are not ours', async () => {
    retrieve.mockResolvedValue(subscription('unpaid', { metadata: {} }));
    expect((await deliver(stripeEvent('customer.subscription.updated', subscription('unpaid')))).statusCode).toBe(200);
    expect(starts()).toHaveLength(0);
    expect(mockAccounts.writes).toEqual([]);
  });
});
