import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getCustomer } from '../../../lambdas/api/get-customer';
import { handler as listCustomers } from '../../../lambdas/api/list-customers';
import { handler as resume } from '../../../lambdas/api/resume-customer';
import { handler as suspend } from '../../../lambdas/api/suspend-customer';
import { failureFromHistory } from '../../../lambdas/services/customer-detail';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const profile = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  pk: `CUSTOMER#${id}`,
  sk: 'PROFILE',
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
});
const pageKey = (id: string, status: string) => ({ pk: `CUSTOMER#${id}`, sk: 'PROFILE', status, createdAt: '2026-11-30T10:00:00.000Z' });

const list = (query: Record<string, string> | null, multi: Record<string, string[]> | null = null) =>
  listCustomers(apiEvent({ httpMethod: 'GET', path: '/admin/customers', queryStringParameters: query, multiValueQueryStringParameters: multi }), lambdaContext);
const act = (fn: typeof suspend, customerId: string) =>
  fn(apiEvent({ path: `/admin/customers/${customerId}/x`, pathParameters: { customerId }, requestContext: { identity: { userArn: 'arn:aws:iam::1:user/op' } } as never }), lambdaContext);

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

describe('GET /admin/customers', () => {
  it('pages one status with an opaque cursor the next request continues from, newest first, no Scan', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [profile('a', 'failed')], LastEvaluatedKey: pageKey('a', 'failed') }).resolvesOnce({ Items: [profile('b', 'failed')] });
    const first = bodyOf(await list({ status: 'failed', limit: '1' }));
    expect(first.items.map((c: { customerId: string }) => c.customerId)).toEqual(['a']);
    const query = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(query).toMatchObject({ IndexName: 'CustomersByStatus', ScanIndexForward: false, Limit: 1, ExpressionAttributeValues: { ':status': 'failed' } });

    const second = bodyOf(await list({ status: 'failed', limit: '1', cursor: first.nextCursor }));
    expect(second.items.map((c: { customerId: string }) => c.customerId)).toEqual(['b']);
    expect(second.nextCursor).toBeUndefined();
    expect(ddb.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual(pageKey('a', 'failed'));
  });

  it('walks every status in turn without a status filter, and filters by plan inside the Query', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':status': 'active', ':plan': 'business' } }).resolves({ Items: [profile('c', 'active')] });
    const page = bodyOf(await list({ plan: 'business', limit: '5' }));
    expect(page.items.map((c: { customerId: string }) => c.customerId)).toEqual(['c']);
    const statuses = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues![':status']);
    expect(statuses).toEqual(['pending_verification', 'provisioning', 'active', 'failed', 'past_due', 'suspending', 'suspended', 'resuming', 'cancelled']);
    expect(ddb.commandCalls(QueryCommand)[0].args[0].input.FilterExpression).toBe('#plan = :plan');
    expect(page.nextCursor).toBeUndefined();
  });

  it('refuses a forged cursor, one issued for other filters, bad parameters and repeated ones with 400 naming the field', async () => {
    ddb.on(QueryCommand).resolves({ Items: [profile('a', 'failed')], LastEvaluatedKey: pageKey('a', 'failed') });
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
  });

  it('finds by email (normalised) or subdomain through the uniqueness items, filtered by status', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'EMAIL#ada@example.test', sk: 'CREDENTIALS' } }).resolves({ Item: { customerId: 'a' } });
    ddb.on(GetCommand, { Key: { pk: 'SLUG#acme', sk: 'SLUG' } }).resolves({ Item: { customerId: 'a' } });
    ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#a', sk: 'PROFILE' } }).resolves({ Item: profile('a', 'active') });
    expect(bodyOf(await list({ email: ' Ada@Example.test ' })).items).toHaveLength(1);
    expect(bodyOf(await list({ subdomain: 'acme.customers.stackpro.test' })).items[0].customerId).toBe('a');
    expect(bodyOf(await list({ subdomain: 'acme', status: 'failed' })).items).toEqual([]);
    expect(bodyOf(await list({ email: 'nobody@example.test' })).items).toEqual([]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('GET /admin/customers/{id}', () => {
  it('adds each execution with, for a failed one, its failed state and causes from the history', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        profile('a', 'failed', { failureReason: 'We could not start your server.' }),
        { pk: 'CUSTOMER#a', sk: 'PROVSTEP#acme-a#Launch instance', executionName: 'acme-a', workflowId: 'ProvisionCustomer', name: 'Launch instance', status: 'failed', startedAt: '2026-11-30T10:00:01.000Z' },
      ],
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
  });

  it('says NOT_FOUND for an execution Step Functions dropped, and 404 for an unknown customer', async () => {
    ddb.on(QueryCommand).resolves({ Items: [profile('a', 'active')] });
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    expect(bodyOf(await getCustomer(apiEvent({ httpMethod: 'GET', pathParameters: { customerId: 'a' } }), lambdaContext)).executions[0].status).toBe('NOT_FOUND');
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect((await getCustomer(apiEvent({ httpMethod: 'GET', pathParameters: { customerId: 'ghost' } }), lambdaContext)).statusCode).toBe(404);
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
    ddb.on(GetCommand).resolves({ Item: profile('a', 'active') });
    ddb.on(UpdateCommand).resolves({});
    const res = await act(suspend, 'a');
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toMatchObject({ customerId: 'a', status: 'suspending', changed: true });
    const update = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.ExpressionAttributeValues).toMatchObject({ ':from0': 'active', ':to': 'suspending', ':hold': { by: 'arn:aws:iam::1:user/op' } });
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toEqual({ customerId: 'a', reason: 'requested' });
  });

  it('answers a repeated or concurrent request with changed: false and starts nothing', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: profile('a', 'active') }).resolves({ Item: profile('a', 'suspending') });
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'lost the race', $metadata: {} }));
    expect(bodyOf(await act(suspend, 'a'))).toEqual({ customerId: 'a', status: 'suspending', changed: false });
    expect(bodyOf(await act(suspend, 'a'))).toEqual({ customerId: 'a', status: 'suspending', changed: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a customer in another state (409) and puts the status back when the workflow cannot start (503)', async () => {
    ddb.on(GetCommand).resolves({ Item: profile('a', 'failed') });
    expect(bodyOf(await act(suspend, 'a')).error.code).toBe('INVALID_STATE');

    ddb.on(GetCommand).resolves({ Item: profile('b', 'suspended', { operatorHold: { at: 'x', by: 'y' } }) });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));
    const res = await act(resume, 'b');
    expect(res.statusCode).toBe(503);
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates[0].UpdateExpression).toContain('REMOVE operatorHold');
    expect(updates[1]).toMatchObject({ ExpressionAttributeValues: { ':from0': 'resuming', ':to': 'suspended', ':hold': { at: 'x', by: 'y' } } });
  });
});
