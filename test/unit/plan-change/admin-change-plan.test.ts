import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/admin-change-plan';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { FakePlanAccounts } from '../helpers/fake-plan-accounts';

const retrieve = jest.fn();
const update = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => ({ subscriptions: { retrieve, update } }) }));

// The account in memory; the plan-change writes apply under their DynamoDB conditions (test/unit/repositories/plan-changes.test.ts).
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

const profile = { customerId: 'cust-1', status: 'active', plan: 'enterprise', billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' } };
const subscriptionOn = (price: string) => ({ id: 'sub_1', items: { data: [{ id: 'si_1', price: { id: price } }] } });
const call = (customerId: string | undefined, json: unknown, body?: string) =>
  handler(
    apiEvent({
      path: `/admin/customers/${customerId}/plan`,
      resource: '/admin/customers/{customerId}/plan',
      pathParameters: customerId === undefined ? null : { customerId },
      json,
      ...(body === undefined ? {} : { body }),
    }),
    lambdaContext,
  );

beforeEach(() => {
  sfn.reset();
  mockPlans.reset([profile]);
  retrieve.mockReset().mockResolvedValue(subscriptionOn('price_enterprise_test'));
  update.mockReset().mockResolvedValue(subscriptionOn('price_business_test'));
});

describe('POST /admin/customers/{id}/plan', () => {
  it("moves the customer's subscription to the plan's price (prorated) and answers 202 pending, as the customer's own route does", async () => {
    const res = await call('cust-1', { plan: 'business' });

    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toEqual({ plan: 'enterprise', pendingPlan: 'business' });
    expect(update).toHaveBeenCalledWith('sub_1', { items: [{ id: 'si_1', price: 'price_business_test' }], proration_behavior: 'create_prorations' }, expect.anything());
    expect(mockPlans.profile('cust-1')).toMatchObject({ plan: 'enterprise', pendingPlan: 'business', planChange: { from: 'enterprise', to: 'business', sentAt: expect.any(String) } });
  });

  it('refuses a downgrade below the disk the customer uses: 409 PLAN_IN_USE with the details, and Stripe is not called', async () => {
    mockPlans.reset([profile], { 'cust-1': { measuredAt: '2026-12-01T00:00:00Z', diskUsedBytes: 60 * GIB } });

    const res = await call('cust-1', { plan: 'business' });

    expect(res.statusCode).toBe(409);
    expect(bodyOf(res)).toMatchObject({ error: { code: 'PLAN_IN_USE', details: [{ field: 'usage.diskUsedBytes', message: '60.0 GiB of disk used; business includes 50 GiB.' }] } });
    expect(update).not.toHaveBeenCalled();
    expect(mockPlans.writes).toEqual([]);
  });

  it('answers 404 for an unknown customer and for an id that cannot be one (before reading the body)', async () => {
    mockPlans.reset([]);
    expect((await call('nobody', { plan: 'business' })).statusCode).toBe(404);
    expect((await call('a'.repeat(200), 'not json')).statusCode).toBe(404);
    expect(update).not.toHaveBeenCalled();
  });

  it('answers 400 for a malformed body: not JSON, an unknown plan, an extra field', async () => {
    expect(bodyOf(await call('cust-1', undefined, '{plan'))).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect(bodyOf(await call('cust-1', { plan: 'platinum' }))).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'plan' }] } });
    expect(bodyOf(await call('cust-1', { plan: 'business', force: true }))).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(update).not.toHaveBeenCalled();
    expect(mockPlans.writes).toEqual([]);
  });
});
