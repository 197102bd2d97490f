import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/change-plan';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { FakePlanAccounts } from '../helpers/fake-plan-accounts';

const retrieve = jest.fn();
const update = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => ({ subscriptions: { retrieve, update } }) }));

// The account's profile and usage in memory; the plan-change writes apply under their DynamoDB conditions
// (proven in test/unit/repositories/plan-changes.test.ts), so tests assert what the account holds after.
const mockPlans = new FakePlanAccounts();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (customerId: string) => mockPlans.getCustomer(customerId) }));
jest.mock('../../../lambdas/repositories/customer-partition', () => ({ readCustomerPartition: (customerId: string) => mockPlans.readCustomerPartition(customerId) }));
jest.mock('../../../lambdas/repositories/plan-changes', () => ({
  claimPlanChange: (...args: Parameters<FakePlanAccounts['claimPlanChange']>) => mockPlans.claimPlanChange(...args),
  markPlanChangeSent: (...args: Parameters<FakePlanAccounts['markPlanChangeSent']>) => mockPlans.markPlanChangeSent(...args),
  releasePlanChange: (...args: Parameters<FakePlanAccounts['releasePlanChange']>) => mockPlans.releasePlanChange(...args),
}));
const sfn = mockClient(SFNClient);
const GIB = 1024 ** 3;

const profile = (extra: Record<string, unknown> = {}) => ({
  customerId: 'cust-1',
  status: 'active',
  plan: 'business',
  billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' },
  ...extra,
});
const usage = (diskUsedBytes: number) => ({ 'cust-1': { measuredAt: '2026-12-01T00:00:00Z', diskUsedBytes } });
const account = () => mockPlans.profile('cust-1');
const call = (json: unknown, customerId: string | undefined = 'cust-1') => handler(apiEvent({ path: '/billing/plan', json, customerId }), lambdaContext);
const subscriptionOn = (price: string) => ({ id: 'sub_1', items: { data: [{ id: 'si_1', price: { id: price } }] } });

beforeEach(() => {
  sfn.reset();
  mockPlans.reset([profile()]);
  retrieve.mockReset().mockResolvedValue(subscriptionOn('price_business_test'));
  update.mockReset().mockResolvedValue(subscriptionOn('price_enterprise_test'));
});

describe('POST /billing/plan', () => {
  it('claims the change, moves the subscription item to the new price with proration and answers 202 pending', async () => {
    const res = await call({ plan: 'enterprise' });

    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toEqual({ plan: 'business', pendingPlan: 'enterprise' });
    expect(account()).toMatchObject({ plan: 'business', pendingPlan: 'enterprise', planChange: { from: 'business', to: 'enterprise', changeId: expect.stringMatching(/^[0-9a-f]{12}$/) } });
    const { changeId } = account()!.planChange as { changeId: string };
    expect(update).toHaveBeenCalledWith(
      'sub_1',
      { items: [{ id: 'si_1', price: 'price_enterprise_test' }], proration_behavior: 'create_prorations' },
      { idempotencyKey: `stackpro-plan-cust-1-enterprise-si_1-${changeId}` },
    );
    // Claimed before Stripe, Stripe's acceptance recorded after; the resize waits for its webhook.
    expect(mockPlans.writes.map(({ write, applied }) => [write, applied])).toEqual([['claim', true], ['sent', true]]);
    expect(account()!.planChange).toMatchObject({ sentAt: expect.any(String) });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers a repeat of the pending change with the same 202 and calls Stripe no more (the burst)', async () => {
    mockPlans.reset([profile({ pendingPlan: 'enterprise', planChange: { changeId: 'c1', from: 'business', to: 'enterprise', requestedAt: new Date().toISOString() } })]);
    const answers = await Promise.all(Array.from({ length: 50 }, () => call({ plan: 'enterprise' })));
    expect(answers.map((res) => res.statusCode)).toEqual(Array(50).fill(202));
    expect(update).not.toHaveBeenCalled();
    expect(mockPlans.writes).toEqual([]);
  });

  it('re-sends an interrupted change (claimed long ago, never accepted by Stripe) with its own idempotency key', async () => {
    const requestedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    mockPlans.reset([profile({ pendingPlan: 'enterprise', planChange: { changeId: 'c1', from: 'business', to: 'enterprise', requestedAt } })]);
    expect((await call({ plan: 'enterprise' })).statusCode).toBe(202);
    expect(update).toHaveBeenCalledWith('sub_1', expect.anything(), { idempotencyKey: 'stackpro-plan-cust-1-enterprise-si_1-c1' });
    expect(account()).toMatchObject({ pendingPlan: 'enterprise', planChange: { changeId: 'c1', requestedAt, sentAt: expect.any(String) } });
  });

  it('starts the resize itself when Stripe already has the price (a retried change whose resize failed)', async () => {
    retrieve.mockResolvedValue(subscriptionOn('price_enterprise_test'));
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
    expect((await call({ plan: 'enterprise' })).statusCode).toBe(202);
    expect(update).not.toHaveBeenCalled();
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.stateMachineArn).toContain('ResizeCustomer');
    expect(start.name).toMatch(/^resize-enterprise-cust-1-[0-9a-f]{12}$/);
    expect(JSON.parse(start.input!)).toMatchObject({ customerId: 'cust-1', fromPlan: 'business', toPlan: 'enterprise' });
    expect(start.name).toBe(`resize-enterprise-cust-1-${(account()!.planChange as { changeId: string }).changeId}`);
  });

  it('refuses another plan while one is pending: 409 PLAN_CHANGE_PENDING', async () => {
    mockPlans.reset([profile({ pendingPlan: 'enterprise', planChange: { changeId: 'c1', from: 'business', to: 'enterprise', requestedAt: new Date().toISOString() } })]);
    const res = await call({ plan: 'starter' });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error).toMatchObject({ code: 'PLAN_CHANGE_PENDING', details: [{ field: 'plan' }] });
    expect(account()).toMatchObject({ pendingPlan: 'enterprise', planChange: { changeId: 'c1' } });
  });

  it('refuses the plan the account is on: 409 PLAN_UNCHANGED', async () => {
    const res = await call({ plan: 'business' });
    expect(bodyOf(res).error.code).toBe('PLAN_UNCHANGED');
    expect(update).not.toHaveBeenCalled();
    expect(mockPlans.writes).toEqual([]);
  });

  it('refuses an account that is not active: 409 INVALID_STATE', async () => {
    mockPlans.reset([profile({ status: 'suspended' })]);
    const res = await call({ plan: 'enterprise' });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    expect(account()).not.toHaveProperty('pendingPlan');
  });

  it('refuses a downgrade below the disk the account uses: 409 PLAN_IN_USE naming the usage', async () => {
    mockPlans.reset([profile()], usage(32 * GIB));
    const res = await call({ plan: 'starter' });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error).toMatchObject({
      code: 'PLAN_IN_USE',
      details: [{ field: 'usage.diskUsedBytes', message: '32.0 GiB of disk used; starter includes 20 GiB.' }],
    });
    expect(mockPlans.writes).toEqual([]);
  });

  it('allows a downgrade when the disk used fits the target plan', async () => {
    mockPlans.reset([profile()], usage(5 * GIB));
    expect((await call({ plan: 'starter' })).statusCode).toBe(202);
    expect(account()).toMatchObject({ pendingPlan: 'starter' });
  });

  it('undoes the claim when Stripe refuses, so the customer can try again', async () => {
    update.mockRejectedValue(Object.assign(new Error('No such price'), { type: 'StripeInvalidRequestError' }));
    const res = await call({ plan: 'enterprise' });
    expect(res.statusCode).toBe(500);
    expect(mockPlans.writes.map(({ write, applied }) => [write, applied])).toEqual([['claim', true], ['release', true]]);
    expect(account()).toEqual(profile());
    expect((await call({ plan: 'enterprise' })).statusCode).toBe(500);
    expect(update).toHaveBeenCalledTimes(2);
  });

  it('decides again when another request claimed first', async () => {
    // Between this request's read and its claim, another claims a change to starter.
    mockPlans.beforeNextClaim = () =>
      Object.assign(account()!, { pendingPlan: 'starter', planChange: { changeId: 'c2', from: 'business', to: 'starter', requestedAt: new Date().toISOString() } });
    const res = await call({ plan: 'enterprise' });
    expect(bodyOf(res).error.code).toBe('PLAN_CHANGE_PENDING');
    expect(update).not.toHaveBeenCalled();
    expect(mockPlans.writes.map(({ write, applied }) => [write, applied])).toEqual([['claim', false]]);
    expect(account()).toMatchObject({ pendingPlan: 'starter', planChange: { changeId: 'c2' } });
  });

  it('answers an unknown plan with 400 VALIDATION_FAILED naming the field', async () => {
    const res = await call({ plan: 'platinum' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'plan' }] });
  });

  it("only ever changes the caller's own account (the id comes from the token, never the body)", async () => {
    const res = await call({ plan: 'enterprise', customerId: 'cust-2' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([expect.objectContaining({ field: 'customerId' })]);
    expect((await handler(apiEvent({ path: '/billing/plan', json: { plan: 'enterprise' } }), lambdaContext)).statusCode).toBe(401);
  });
});
