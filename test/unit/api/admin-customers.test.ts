import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getCustomer } from '../../../lambdas/api/get-customer';
import { handler as listCustomers } from '../../../lambdas/api/list-customers';
import { handler as resume } from '../../../lambdas/api/resume-customer';
import { handler as suspend } from '../../../lambdas/api/suspend-customer';
import type { Customer, CustomerStatus } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as CustomerDirectory from '../../../lambdas/repositories/customer-directory';
import type * as CustomerPartition from '../../../lambdas/repositories/customer-partition';
import type * as OperatorHolds from '../../../lambdas/repositories/operator-holds';
import { failureFromHistory } from '../../../lambdas/services/customer-detail';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// The index Query (newest first, a page at a time, plan filter), the uniqueness lookups, the one-Query
// partition read and the conditional hold are the repositories': test/unit/repositories/.
const queryCustomersByStatus = jest.fn<ReturnType<typeof CustomerDirectory.queryCustomersByStatus>, Parameters<typeof CustomerDirectory.queryCustomersByStatus>>();
const customerIdBy = jest.fn<ReturnType<typeof CustomerDirectory.customerIdBy>, Parameters<typeof CustomerDirectory.customerIdBy>>();
jest.mock('../../../lambdas/repositories/customer-directory', () => ({
  ...jest.requireActual('../../../lambdas/repositories/customer-directory'),
  queryCustomersByStatus: (...args: Parameters<typeof CustomerDirectory.queryCustomersByStatus>) => queryCustomersByStatus(...args),
  customerIdBy: (...args: Parameters<typeof CustomerDirectory.customerIdBy>) => customerIdBy(...args),
}));
const readAccount = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => readAccount(...args) }));
const readCustomerPartition = jest.fn<ReturnType<typeof CustomerPartition.readCustomerPartition>, Parameters<typeof CustomerPartition.readCustomerPartition>>();
jest.mock('../../../lambdas/repositories/customer-partition', () => ({
  readCustomerPartition: (...args: Parameters<typeof CustomerPartition.readCustomerPartition>) => readCustomerPartition(...args),
}));
const transitionWithHold = jest.fn<ReturnType<typeof OperatorHolds.transitionWithHold>, Parameters<typeof OperatorHolds.transitionWithHold>>();
jest.mock('../../../lambdas/repositories/operator-holds', () => ({
  transitionWithHold: (...args: Parameters<typeof OperatorHolds.transitionWithHold>) => transitionWithHold(...args),
}));
const sfn = mockClient(SFNClient);

const profile = (id: string, status: string, extra: Record<string, unknown> = {}) =>
  ({
  customerId: id,
  email: `${id}@example.test`,
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Acme',
  plan: 'business',
  status,
  subdomain: `acme-${id}.customers.stackpro.test`,
  createdAt: '2026-11-30T10:00:00.000Z',
  provisioningExecutionName: `acme-${id}`,
  ...extra,
  }) as Customer;
const listing = (id: string, status: string) => {
  const { customerId, email, company, plan, subdomain, createdAt } = profile(id, status);
  return { customerId, email, company, plan, status: status as CustomerStatus, subdomain, createdAt };
};
const pageKey = (id: string, status: string) => ({ pk: `CUSTOMER#${id}`, sk: 'PROFILE', status, createdAt: '2026-11-30T10:00:00.000Z' });

const list = (query: Record<string, string> | null, multi: Record<string, string[]> | null = null) =>
  listCustomers(apiEvent({ httpMethod: 'GET', path: '/admin/customers', queryStringParameters: query, multiValueQueryStringParameters: multi }), lambdaContext);
const act = (fn: typeof suspend, customerId: string) =>
  fn(apiEvent({ path: `/admin/customers/${customerId}/x`, pathParameters: { customerId }, requestContext: { identity: { userArn: 'arn:aws:iam::1:user/op' } } as never }), lambdaContext);

beforeEach(() => {
  for (const mock of [queryCustomersByStatus, customerIdBy, readAccount, readCustomerPartition, transitionWithHold]) mock.mockReset();
  queryCustomersByStatus.mockResolvedValue({ items: [] });
  customerIdBy.mockResolvedValue(undefined);
  readAccount.mockResolvedValue(undefined);
  readCustomerPartition.mockResolvedValue({ steps: [] });
  transitionWithHold.mockResolvedValue(true);
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

describe('GET /admin/customers', () => {
  it('pages one status with an opaque cursor the next request continues from, newest first, no Scan', async () => {
    queryCustomersByStatus.mockResolvedValueOnce({ items: [listing('a', 'failed')], nextKey: pageKey('a', 'failed') }).mockResolvedValueOnce({ items: [listing('b', 'failed')] });
    const first = bodyOf(await list({ status: 'failed', limit: '1' }));
    expect(first.items.map((c: { customerId: string }) => c.customerId)).toEqual(['a']);
    expect(queryCustomersByStatus.mock.calls[0]).toEqual(['failed', { limit: 1, plan: undefined, startKey: undefined }]);

    const second = bodyOf(await list({ status: 'failed', limit: '1', cursor: first.nextCursor }));
    expect(second.items.map((c: { customerId: string }) => c.customerId)).toEqual(['b']);
    expect(second.nextCursor).toBeUndefined();
    expect(queryCustomersByStatus.mock.calls[1]).toEqual(['failed', { limit: 1, plan: undefined, startKey: pageKey('a', 'failed') }]);
  });

  it('walks every status in turn without a status filter, and filters by plan inside the Query', async () => {
    queryCustomersByStatus.mockImplementation(async (status) => ({ items: status === 'active' ? [listing('c', 'active')] : [] }));
    const page = bodyOf(await list({ plan: 'business', limit: '5' }));
    expect(page.items.map((c: { customerId: string }) => c.customerId)).toEqual(['c']);
    const statuses = queryCustomersByStatus.mock.calls.map(([status]) => status);
    expect(statuses).toEqual(['pending_verification', 'provisioning', 'active', 'failed', 'past_due', 'suspending', 'suspended', 'resuming', 'cancelled']);
    expect(queryCustomersByStatus.mock.calls.every(([, options]) => options.plan === 'business')).toBe(true);
    // What is left of the page: the one customer found in `active` counts against the limit of 5.
    expect(queryCustomersByStatus.mock.calls.map(([, options]) => options.limit)).toEqual([5, 5, 5, 4, 4, 4, 4, 4, 4]);
    expect(page.nextCursor).toBeUndefined();
  });

  it('refuses a forged cursor, one issued for other filters, bad parameters and repeated ones with 400 naming the field', async () => {
    queryCustomersByStatus.mockResolvedValue({ items: [listing('a', 'failed')], nextKey: pageKey('a', 'failed') });
    const issued = bodyOf(await list({ status: 'failed', limit: '1' })).nextCursor as string;
    const forged = Buffer.from(JSON.stringify({ i: 0, k: { pk: 'EMAIL#x', sk: 'CREDENTIALS', status: 'failed', createdAt: 'x' }, status: 'failed' })).toString('base64url');
    for (const [query, field] of [
      [{ status: 'active', cursor: issued }, 'cursor'],
      [{ status: 'failed', cursor: forged }, 'cursor'],
      [{ cursor: '%%%' }, 'cursor'],
      [{ status: 'sleeping' }, 'status'],
      [{ limit: '500' }, 'limit'],
      [{ shoeSize: '9' }, 'shoeSize'],
    ] as const) {
      const res = await list(query as Record<string, string>);
      expect([res.statusCode, bodyOf(res).error.code, bodyOf(res).error.details[0].field]).toEqual([400, 'VALIDATION_FAILED', field]);
    }
    const twice = await list({ status: 'failed' }, { status: ['failed', 'active'] });
    expect(bodyOf(twice).error.details).toEqual([{ field: 'status', message: 'status may be given once.' }]);
    // Only the one valid request that issued the cursor reached the index.
    expect(queryCustomersByStatus).toHaveBeenCalledTimes(1);
  });

  it('finds by email (normalised) or subdomain through the uniqueness items, filtered by status', async () => {
    customerIdBy.mockImplementation(async (kind, value) => ((kind === 'email' && value === 'ada@example.test') || (kind === 'slug' && value === 'acme') ? 'a' : undefined));
    readAccount.mockImplementation(async (customerId) => (customerId === 'a' ? profile('a', 'active') : undefined));
    expect(bodyOf(await list({ email: ' Ada@Example.test ' })).items).toEqual([listing('a', 'active')]);
    expect(bodyOf(await list({ subdomain: 'acme.customers.stackpro.test' })).items[0].customerId).toBe('a');
    expect(bodyOf(await list({ subdomain: 'acme', status: 'failed' })).items).toEqual([]);
    expect(bodyOf(await list({ email: 'nobody@example.test' })).items).toEqual([]);
    expect(customerIdBy.mock.calls).toEqual([
      ['email', 'ada@example.test'],
      ['slug', 'acme'],
      ['slug', 'acme'],
      ['email', 'nobody@example.test'],
    ]);
    expect(queryCustomersByStatus).not.toHaveBeenCalled();
  });
});

describe('GET /admin/customers/{id}', () => {
  it('adds each execution with, for a failed one, its failed state and causes from the history', async () => {
    readCustomerPartition.mockResolvedValue({
      profile: profile('a', 'failed', { failureReason: 'We could not start your server.' }),
      steps: [{ executionName: 'acme-a', workflowId: 'ProvisionCustomer', name: 'Launch instance', status: 'failed', startedAt: '2026-11-30T10:00:01.000Z' }],
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', startDate: new Date('2026-11-30T10:00:00Z'), stopDate: new Date('2026-11-30T10:01:00Z') });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Launch instance' } },
        { id: 2, timestamp: new Date(), type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'InstanceCapacityError', cause: 'No capacity' } },
        { id: 3, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Roll back: terminate instance' } },
        { id: 4, timestamp: new Date(), type: 'FailStateEntered', stateEnteredEventDetails: { name: 'Provisioning failed' } },
        { id: 5, timestamp: new Date(), type: 'ExecutionFailed', executionFailedEventDetails: { error: 'ProvisioningFailed', cause: 'We could not start your server.' } },
      ],
    });
    const res = await getCustomer(apiEvent({ httpMethod: 'GET', pathParameters: { customerId: 'a' } }), lambdaContext);
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body).toMatchObject({ customerId: 'a', email: 'a@example.test', status: 'failed', failureReason: 'We could not start your server.' });
    expect(body.executions).toEqual([
      {
        workflow: 'ProvisionCustomer',
        executionName: 'acme-a',
        status: 'FAILED',
        startedAt: '2026-11-30T10:00:00.000Z',
        stoppedAt: '2026-11-30T10:01:00.000Z',
        failedState: 'Launch instance',
        stateError: 'InstanceCapacityError',
        stateCause: 'No capacity',
        error: 'ProvisioningFailed',
        cause: 'We could not start your server.',
      },
    ]);
    expect(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:ProvisionCustomer:acme-a');
    expect(readCustomerPartition).toHaveBeenCalledWith('a');
  });

  it('says NOT_FOUND for an execution Step Functions dropped, and 404 for an unknown customer', async () => {
    readCustomerPartition.mockResolvedValue({ profile: profile('a', 'active'), steps: [] });
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    expect(bodyOf(await getCustomer(apiEvent({ httpMethod: 'GET', pathParameters: { customerId: 'a' } }), lambdaContext)).executions[0].status).toBe('NOT_FOUND');
    readCustomerPartition.mockResolvedValue({ steps: [] });
    expect((await getCustomer(apiEvent({ httpMethod: 'GET', pathParameters: { customerId: 'ghost' } }), lambdaContext)).statusCode).toBe(404);
  });

  it('describes a FleetUpdate execution in the step log by its own state machine, not as UNKNOWN', async () => {
    readCustomerPartition.mockResolvedValue({
      profile: profile('a', 'active'),
      steps: [{ executionName: 'fleet-2-4-0-fu-1', workflowId: 'FleetUpdate', name: 'Start customer update', status: 'succeeded', startedAt: '2026-11-30T10:00:01.000Z' }],
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: new Date('2026-11-30T10:00:00Z'), stopDate: new Date('2026-11-30T10:05:00Z') });
    const body = bodyOf(await getCustomer(apiEvent({ httpMethod: 'GET', pathParameters: { customerId: 'a' } }), lambdaContext));
    expect(body.executions).toContainEqual({ workflow: 'FleetUpdate', executionName: 'fleet-2-4-0-fu-1', status: 'SUCCEEDED', startedAt: '2026-11-30T10:00:00.000Z', stoppedAt: '2026-11-30T10:05:00.000Z' });
    expect(sfn.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input.executionArn)).toContain('arn:aws:states:us-east-1:000000000000:execution:FleetUpdate:fleet-2-4-0-fu-1');
  });

  it('names the state a stopped execution was in when nothing failed', () => {
    expect(
      failureFromHistory([
        { id: 1, timestamp: new Date(), type: 'WaitStateEntered', stateEnteredEventDetails: { name: 'Wait for deployment' } },
        { id: 2, timestamp: new Date(), type: 'ExecutionAborted', executionAbortedEventDetails: { cause: 'stopped from the console' } },
      ]),
    ).toEqual({ failedState: 'Wait for deployment', cause: 'stopped from the console' });
  });
});

describe('POST /admin/customers/{id}/suspend and /resume', () => {
  it('suspends an active customer with an operator hold and starts the suspend workflow once', async () => {
    readAccount.mockResolvedValue(profile('a', 'active'));
    const res = await act(suspend, 'a');
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toMatchObject({ customerId: 'a', status: 'suspending', changed: true });
    expect(readAccount).toHaveBeenCalledWith('a', { consistent: true });
    expect(transitionWithHold).toHaveBeenCalledWith('a', ['active'], 'suspending', { at: expect.any(String), by: 'arn:aws:iam::1:user/op' });
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toEqual({ customerId: 'a', reason: 'requested' });
  });

  it('answers a repeated or concurrent request with changed: false and starts nothing', async () => {
    readAccount.mockResolvedValueOnce(profile('a', 'active')).mockResolvedValue(profile('a', 'suspending'));
    transitionWithHold.mockResolvedValue(false);
    expect(bodyOf(await act(suspend, 'a'))).toEqual({ customerId: 'a', status: 'suspending', changed: false });
    expect(bodyOf(await act(suspend, 'a'))).toEqual({ customerId: 'a', status: 'suspending', changed: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    // The second request saw `suspending` and asked for nothing.
    expect(transitionWithHold).toHaveBeenCalledTimes(1);
  });

  it('refuses a customer in another state (409) and puts the status back when the workflow cannot start (503)', async () => {
    readAccount.mockResolvedValue(profile('a', 'failed'));
    expect(bodyOf(await act(suspend, 'a')).error.code).toBe('INVALID_STATE');
    expect(transitionWithHold).not.toHaveBeenCalled();

    readAccount.mockResolvedValue(profile('b', 'suspended', { operatorHold: { at: 'x', by: 'y' } }));
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));
    const res = await act(resume, 'b');
    expect(res.statusCode).toBe(503);
    // Resuming lifts the hold; putting the status back restores it as it was.
    expect(transitionWithHold.mock.calls).toEqual([
      ['b', ['suspended'], 'resuming', undefined],
      ['b', ['resuming'], 'suspended', { at: 'x', by: 'y' }],
    ]);
  });
});
