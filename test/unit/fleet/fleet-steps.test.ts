import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as startFleetUpdateRoute } from '../../../lambdas/api/start-fleet-update';
import { handler as getFleetUpdateRoute } from '../../../lambdas/api/get-fleet-update';
import { fleetUpdateId } from '../../../lambdas/core/fleet-updates';
import { handler as checkUpdateStep } from '../../../lambdas/fleet/check-app-update';
import { handler as finishCustomerStep } from '../../../lambdas/fleet/finish-customer-update';
import { handler as rollBackStep } from '../../../lambdas/fleet/roll-back-customer-update';
import { handler as selectTargets } from '../../../lambdas/fleet/select-fleet-targets';
import { handler as startCustomerStep } from '../../../lambdas/fleet/start-customer-update';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { asTask, awsError } from '../provisioning/helpers';
import { mockTable } from '../helpers/document-table';

// Each step as its Task invokes it, with its state's name (fleet-update.asl.json).
const startCustomer = asTask('Start customer update', startCustomerStep);
const checkUpdate = asTask('Check update', checkUpdateStep);
const rollBack = asTask('Roll back customer', rollBackStep);
const finishCustomer = (input: { result: string } & Record<string, unknown>) => asTask(input.result === 'updated' ? 'Customer updated' : 'Customer not updated', finishCustomerStep)(input);

const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);
const table = mockTable();

const UPDATE_ID = 'fu-0123456789abcdef01234567';
const update = (fields: Record<string, unknown> = {}) => ({
  pk: `FLEETUPDATE#${UPDATE_ID}`,
  sk: 'UPDATE',
  updateId: UPDATE_ID,
  version: '2026.12.0',
  target: { all: true },
  maxConcurrent: 2,
  maxFailures: 1,
  attempt: 1,
  status: 'running',
  executionName: 'fleet-x',
  requestedBy: 'ops',
  requestedAt: '2026-12-01T06:00:00.000Z',
  ...fields,
});
const profile = (fields: Record<string, unknown> = {}) => ({ pk: 'CUSTOMER#cust-1', sk: 'PROFILE', customerId: 'cust-1', status: 'active', plan: 'business', subdomain: 'acme.customers.test', ...fields });
const step = { customerId: 'cust-1', executionName: 'fleet-x', updateId: UPDATE_ID, version: '2026.12.0' };

/** Serves GetItem by sort key: the update, the customer's report line, the profile, the infrastructure. */
function serve(items: { update?: object; line?: object; profile?: object; infrastructure?: object }) {
  table.ddb.on(GetCommand).callsFake((input: { Key: { sk: string } }) => {
    const sk = input.Key.sk;
    if (sk === 'UPDATE') return { Item: items.update };
    if (sk.startsWith('CUSTOMER#')) return { Item: items.line };
    if (sk === 'PROFILE') return { Item: items.profile };
    if (sk === 'INFRASTRUCTURE') return { Item: items.infrastructure };
    return {};
  });
}
/** The final results the steps recorded: [result, reason] of each transaction's report line. */
const finals = () =>
  table.ddb.commandCalls(TransactWriteCommand).map((call) => {
    const values = call.args[0].input.TransactItems![0]!.Update!.ExpressionAttributeValues!;
    const entries = Object.entries(values).filter(([key]) => key.startsWith(':v'));
    const names = call.args[0].input.TransactItems![0]!.Update!.ExpressionAttributeNames!;
    return Object.fromEntries(entries.map(([key, value]) => [names[`#f${key.slice(2)}`], value]));
  });

beforeEach(() => {
  ssm.reset();
  sfn.reset();
  table.reset();
  table.ddb.on(TransactWriteCommand).resolves({});
  table.ddb.on(PutCommand).resolves({});
  table.ddb.on(BatchWriteCommand).resolves({});
});

describe('Start customer update', () => {
  it('records the previous version and sends the deploy document with the new one', async () => {
    serve({ update: update(), profile: profile({ appVersion: '2026.11.0' }), infrastructure: { instanceId: 'i-1' } });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });

    await expect(startCustomer(step)).resolves.toMatchObject({ outcome: 'started', instanceId: 'i-1', commandId: 'cmd-1', fromVersion: '2026.11.0' });
    expect(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input).toMatchObject({
      DocumentName: 'StackPro-DeployApplications',
      InstanceIds: ['i-1'],
      Parameters: { CustomerId: ['cust-1'], Subdomain: ['acme.customers.test'], Plan: ['business'], AppVersion: ['2026.12.0'] },
    });
  });

  it.each([
    ['the error budget is spent', { update: update({ failed: 2, maxFailures: 1 }), profile: profile() }, /Error budget spent: 2 failed, more than the 1 allowed/],
    ['customers failing (still rolling back) spent the budget', { update: update({ failed: 0, failing: 2, maxFailures: 1 }), profile: profile() }, /Error budget spent: 2 failed, more than the 1 allowed/],
    ['the customer is suspending (its own workflow runs)', { update: update(), profile: profile({ status: 'suspending' }) }, /Status is suspending: its own workflow is running/],
    ['the customer is suspended', { update: update(), profile: profile({ status: 'suspended' }) }, /Status is suspended: only active customers are updated/],
    ['the customer already runs the version', { update: update(), profile: profile({ appVersion: '2026.12.0' }) }, /Already on version 2026.12.0/],
  ])('skips, never touching the server, when %s', async (_case, items, reason) => {
    serve({ ...items, infrastructure: { instanceId: 'i-1' } });
    await expect(startCustomer(step)).resolves.toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(reason) });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(finals()).toEqual([expect.objectContaining({ result: 'skipped', reason: expect.stringMatching(reason) })]);
  });

  it('a retried step finds its command and sends nothing twice', async () => {
    serve({ update: update(), line: { result: 'updating', commandId: 'cmd-0', instanceId: 'i-1', fromVersion: '2026.11.0', startedAt: 't' }, profile: profile() });
    await expect(startCustomer(step)).resolves.toMatchObject({ outcome: 'started', commandId: 'cmd-0' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('an agent that is not online is UpdateNotStartedError (nothing changed; no rollback)', async () => {
    serve({ update: update(), profile: profile(), infrastructure: { instanceId: 'i-1' } });
    ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId'));
    await expect(startCustomer(step)).rejects.toMatchObject({ name: 'UpdateNotStartedError' });
  });
});

describe('Check update', () => {
  const input = { customerId: 'cust-1', executionName: 'fleet-x', instanceId: 'i-1', commandId: 'cmd-1' };

  it('is not ready while the command runs, done on Success', async () => {
    ssm.on(GetCommandInvocationCommand).rejectsOnce(awsError('InvocationDoesNotExist')).resolves({ Status: 'Success', ResponseCode: 0 });
    await expect(checkUpdate(input)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(checkUpdate(input)).resolves.toEqual({ commandId: 'cmd-1' });
  });

  it('tells a failed health check (exit 3, the script\'s own sentence) from any other failure', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', ResponseCode: 3, StandardErrorContent: 'pulling\nHealth check failed: crm:80 did not answer within 120 s on version 2026.12.0\n' });
    await expect(checkUpdate(input)).rejects.toMatchObject({ name: 'AppsUnhealthyError', message: 'Health check failed: crm:80 did not answer within 120 s on version 2026.12.0' });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'TimedOut', ResponseCode: -1 });
    await expect(checkUpdate(input)).rejects.toMatchObject({ name: 'AppCommandFailedError', message: 'Command cmd-1 ended TimedOut' });
  });
});

describe('Roll back customer and Record customer result', () => {
  it('sends the previous version back, once', async () => {
    serve({ profile: profile(), line: { result: 'updating', fromVersion: '2026.11.0' } });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'rb-1' } });
    const input = { ...step, instanceId: 'i-1', fromVersion: '2026.11.0', error: { Error: 'AppsUnhealthyError', Cause: JSON.stringify({ errorMessage: 'Health check failed: crm:80' }) } };
    await expect(rollBack(input)).resolves.toEqual({ commandId: 'rb-1' });
    expect(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input.Parameters).toMatchObject({ AppVersion: ['2026.11.0'] });
    // Counted against the error budget as the rollback starts, not once it ends.
    const counted = table.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(counted[0]!.Update!.ExpressionAttributeValues).toMatchObject({ ':rollingBack': 'rolling_back', ':updating': 'updating', ':reason': 'Health check failed: crm:80' });
    expect(counted[1]!.Update!.UpdateExpression).toBe('ADD failing :one');

    serve({ profile: profile(), line: { result: 'rolling_back', fromVersion: '2026.11.0', rollbackCommandId: 'rb-1' } });
    await expect(rollBack(input)).resolves.toEqual({ commandId: 'rb-1' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  it('a rolled-back customer is failed with the reason, and its profile keeps the previous version', async () => {
    serve({ line: { result: 'rolling_back', fromVersion: '2026.11.0', startedAt: new Date(Date.now() - 90_000).toISOString() } });
    await finishCustomer({ ...step, result: 'failed', rolledBack: true, error: { Error: 'AppsUnhealthyError', Cause: JSON.stringify({ errorMessage: 'Health check failed: crm:80' }) } });

    const [final] = finals();
    expect(final).toMatchObject({ result: 'failed', reason: 'Health check failed: crm:80; rolled back to 2026.11.0', rolledBack: true });
    expect(final!.durationSeconds).toBeGreaterThanOrEqual(90);
    const items = table.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[1]!.Update!.ExpressionAttributeNames).toEqual({ '#count': 'failed' });
    // Already counted against the budget when its rollback started.
    expect(items[1]!.Update!.UpdateExpression).toBe('ADD #count :one');
    expect(items[2]!.Update!.ExpressionAttributeValues).toMatchObject({ ':version': '2026.11.0' });
  });
});

describe('Select customers', () => {
  it('queries the CustomersByStatus index for active customers (never a Scan) and writes them pending', async () => {
    serve({ update: update({ target: { plan: 'business' } }) });
    table.ddb.on(QueryCommand).resolvesOnce({ Items: [{ customerId: 'a' }], LastEvaluatedKey: { pk: 'x' } }).resolves({ Items: [{ customerId: 'b' }] });

    await expect(selectTargets({ updateId: UPDATE_ID, executionName: 'fleet-x' })).resolves.toEqual({ customerIds: ['a', 'b'], total: 2 });
    const queries = table.ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.every((query) => query.IndexName === 'CustomersByStatus' && query.ExpressionAttributeValues?.[':status'] === 'active' && query.ExpressionAttributeValues?.[':plan'] === 'business')).toBe(true);
    const written = table.ddb.commandCalls(BatchWriteCommand).flatMap((call) => Object.values(call.args[0].input.RequestItems!).flat());
    expect(written.map((request) => (request.PutRequest!.Item as { result: string; customerId: string }).customerId)).toEqual(['a', 'b']);
  });

  it('a listed customer that is not active is in the report as skipped, never selected', async () => {
    serve({ update: update({ target: { customerIds: ['cust-1'] } }), profile: profile({ status: 'suspended' }) });
    await expect(selectTargets({ updateId: UPDATE_ID, executionName: 'fleet-x' })).resolves.toEqual({ customerIds: [], total: 1 });
    expect(finals()).toEqual([expect.objectContaining({ result: 'skipped', reason: 'Status is suspended: only active customers are updated' })]);
  });
});

describe('POST /admin/fleet-updates and GET /admin/fleet-updates/{id}', () => {
  const body = { version: '2026.12.0', target: { customerIds: ['b', 'a'] }, maxConcurrent: 2, maxFailures: 0 };
  const post = (json: unknown) => startFleetUpdateRoute(apiEvent({ path: '/admin/fleet-updates', json }), lambdaContext);

  it('the same body 50 times at once starts one execution, named from the request hash', async () => {
    let stored: object | undefined;
    table.ddb.on(PutCommand).callsFake((input: { Item: object }) => {
      if (stored) throw new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
      stored = input.Item;
      return {};
    });
    table.ddb.on(GetCommand).callsFake(() => ({ Item: stored }));
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });

    const answers = await Promise.all(Array.from({ length: 50 }, () => post(body)));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(50).fill(202));
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    const id = fleetUpdateId({ version: '2026.12.0', target: { customerIds: ['a', 'b'] }, maxConcurrent: 2, maxFailures: 0, attempt: 1 });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.name).toBe(`fleet-2026-12-0-${id}`);
    expect(answers.map((answer) => bodyOf(answer).updateId)).toEqual(Array(50).fill(id));
    expect(answers.filter((answer) => bodyOf(answer).created)).toHaveLength(1);
  });

  it('a lost race to StartExecution (same name and input) is the same update, not an error', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    table.ddb.on(GetCommand).resolves({ Item: update() });
    expect((await post(body)).statusCode).toBe(202);
  });

  it.each([
    [{ ...body, version: '2099.01.0' }, 'version'],
    [{ ...body, target: {} }, 'target'],
    [{ ...body, target: { all: true, plan: 'business' } }, 'target'],
    [{ ...body, maxConcurrent: 0 }, 'maxConcurrent'],
    [{ ...body, maxConcurrent: 41 }, 'maxConcurrent'],
    [{ ...body, maxFailures: -1 }, 'maxFailures'],
    [{ version: '2026.12.0', target: { all: true }, maxConcurrent: 2 }, 'maxFailures'],
    [{ ...body, extra: 1 }, 'extra'],
  ])('refuses %j with 400 VALIDATION_FAILED on %s, storing and starting nothing', async (json, field) => {
    const answer = await post(json);
    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field) })]) } });
    expect(table.ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('GET answers the report without command ids or the operator, and 404 for an unknown update', async () => {
    table.ddb.on(GetCommand).resolves({ Item: update({ total: 2, failed: 1 }) });
    table.ddb.on(QueryCommand).resolves({
      Items: [
        { customerId: 'a', toVersion: '2026.12.0', fromVersion: '2026.11.0', result: 'updated', commandId: 'cmd-a', instanceId: 'i-a', durationSeconds: 61 },
        { customerId: 'b', toVersion: '2026.12.0', result: 'pending' },
      ],
    });
    const answer = await getFleetUpdateRoute(apiEvent({ httpMethod: 'GET', path: `/admin/fleet-updates/${UPDATE_ID}`, pathParameters: { updateId: UPDATE_ID } }), lambdaContext);
    expect(answer.statusCode).toBe(200);
    const report = bodyOf(answer);
    expect(report.progress).toEqual({ total: 2, pending: 1, updating: 0, rolling_back: 0, updated: 1, failed: 0, skipped: 0 });
    expect(report.customers[0]).toEqual({ customerId: 'a', toVersion: '2026.12.0', fromVersion: '2026.11.0', result: 'updated', durationSeconds: 61 });
    expect(report.requestedBy).toBeUndefined();

    table.ddb.on(GetCommand).resolves({});
    const missing = await getFleetUpdateRoute(apiEvent({ httpMethod: 'GET', path: '/admin/fleet-updates/fu-x', pathParameters: { updateId: 'fu-x' } }), lambdaContext);
    expect(missing.statusCode).toBe(404);
  });
});
