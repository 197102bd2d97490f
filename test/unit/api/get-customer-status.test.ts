import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/get-customer-status';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const profile = {
  pk: 'CUSTOMER#cust-1',
  sk: 'PROFILE',
  type: 'customer',
  customerId: 'cust-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Acme',
  plan: 'starter',
  status: 'provisioning',
  subdomain: 'acme.customers.stackpro.test',
  createdAt: '2026-11-25T10:00:00.000Z',
  trialEndsAt: '2026-12-02T10:00:00.000Z',
  provisioningExecutionName: 'acme-cust-1',
};

const status = (pathCustomerId: string, callerId?: string) =>
  handler(
    apiEvent({ httpMethod: 'GET', path: `/customers/${pathCustomerId}/status`, pathParameters: { customerId: pathCustomerId }, customerId: callerId }),
    lambdaContext,
  );

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'PROFILE' } }).resolves({ Item: profile });
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'INFRASTRUCTURE' } }).resolves({ Item: { instanceId: 'i-1', publicIp: '198.51.100.7' } });
  ddb.on(QueryCommand).resolves({
    Items: [
      { name: 'Wait until running', status: 'running', startedAt: '2026-11-25T10:00:03.000Z', executionName: 'acme-cust-1', message: 'Instance i-1 is pending' },
      { name: 'Start provisioning', status: 'succeeded', startedAt: '2026-11-25T10:00:01.000Z', endedAt: '2026-11-25T10:00:01.500Z', executionName: 'acme-cust-1' },
    ],
  });
});

describe('GET /customers/{customerId}/status', () => {
  it("answers the caller's own status with its provisioning progress, and no credentials or keys", async () => {
    const res = await status('cust-1', 'cust-1');
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({
      customerId: 'cust-1',
      status: 'provisioning',
      plan: 'starter',
      company: 'Acme',
      subdomain: 'acme.customers.stackpro.test',
      createdAt: '2026-11-25T10:00:00.000Z',
      trialEndsAt: '2026-12-02T10:00:00.000Z',
      publicIp: '198.51.100.7',
      services: { website: 'provisioning', crm: 'provisioning', email: 'provisioning' },
      billing: { stripeCustomerId: null, subscriptionStatus: null, trialEndsAt: '2026-12-02T10:00:00.000Z', currentPeriodEnd: null, cancelAtPeriodEnd: false },
      provisioning: {
        executionName: 'acme-cust-1',
        attempt: 1,
        currentStep: 'Wait until running',
        steps: [
          { name: 'Start provisioning', status: 'succeeded', startedAt: '2026-11-25T10:00:01.000Z', endedAt: '2026-11-25T10:00:01.500Z' },
          { name: 'Wait until running', status: 'running', startedAt: '2026-11-25T10:00:03.000Z', message: 'Instance i-1 is pending' },
        ],
      },
    });
    const query = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(query.ExpressionAttributeValues).toEqual({ ':pk': 'CUSTOMER#cust-1', ':prefix': 'PROVSTEP#acme-cust-1#' });
  });

  it("answers 404 for another customer's id without reading it", async () => {
    const res = await status('cust-1', 'cust-2');
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('NOT_FOUND');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers the same 404 for an id that does not exist', async () => {
    const other = await status('cust-1', 'cust-2');
    const missing = await status('cust-9', 'cust-9');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe(other.body);
  });

  it('answers 404 when no authorizer context is present', async () => {
    expect((await status('cust-1')).statusCode).toBe(404);
  });
});
