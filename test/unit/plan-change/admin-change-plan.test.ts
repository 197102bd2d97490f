import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/admin-change-plan';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const retrieve = jest.fn();
const update = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => ({ subscriptions: { retrieve, update } }) }));

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const GIB = 1024 ** 3;

const profile = { pk: 'CUSTOMER#cust-1', sk: 'PROFILE', customerId: 'cust-1', status: 'active', plan: 'enterprise', billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' } };
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
  ddb.reset();
  sfn.reset();
  ddb.on(GetCommand).resolves({ Item: profile });
  ddb.on(QueryCommand).resolves({ Items: [profile] });
  ddb.on(UpdateCommand).resolves({});
  retrieve.mockReset().mockResolvedValue(subscriptionOn('price_enterprise_test'));
  update.mockReset().mockResolvedValue(subscriptionOn('price_business_test'));
});

describe('POST /admin/customers/{id}/plan', () => {
  it("moves the customer's subscription to the plan's price (prorated) and answers 202 pending, as the customer's own route does", async () => {
    const res = await call('cust-1', { plan: 'business' });

    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toEqual({ plan: 'enterprise', pendingPlan: 'business' });
    expect(update).toHaveBeenCalledWith('sub_1', { items: [{ id: 'si_1', price: 'price_business_test' }], proration_behavior: 'create_prorations' }, expect.anything());
  });

  it('refuses a downgrade below the disk the customer uses: 409 PLAN_IN_USE with the details, and Stripe is not called', async () => {
    ddb.on(QueryCommand).resolves({ Items: [profile, { pk: 'CUSTOMER#cust-1', sk: 'USAGE', measuredAt: '2026-12-01T00:00:00Z', diskUsedBytes: 60 * GIB }] });

    const res = await call('cust-1', { plan: 'business' });

    expect(res.statusCode).toBe(409);
    expect(bodyOf(res)).toMatchObject({ error: { code: 'PLAN_IN_USE', details: [{ field: 'usage.diskUsedBytes', message: '60.0 GiB of disk used; business includes 50 GiB.' }] } });
    expect(update).not.toHaveBeenCalled();
  });

  it('answers 404 for an unknown customer and for an id that cannot be one (before reading the body)', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect((await call('nobody', { plan: 'business' })).statusCode).toBe(404);
    expect((await call('a'.repeat(200), 'not json')).statusCode).toBe(404);
    expect(update).not.toHaveBeenCalled();
  });

  it('answers 400 for a malformed body: not JSON, an unknown plan, an extra field', async () => {
    expect(bodyOf(await call('cust-1', undefined, '{plan'))).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect(bodyOf(await call('cust-1', { plan: 'platinum' }))).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'plan' }] } });
    expect(bodyOf(await call('cust-1', { plan: 'business', force: true }))).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(update).not.toHaveBeenCalled();
  });
});
