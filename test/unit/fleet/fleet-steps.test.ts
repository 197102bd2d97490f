import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as startFleetUpdateRoute } from '../../../lambdas/api/start-fleet-update';
import { handler as getFleetUpdateRoute } from '../../../lambdas/api/get-fleet-update';
import type { Customer } from '../../../lambdas/core/customer';
import { fleetUpdateId, type FleetUpdate, type FleetUpdateCustomer } from '../../../lambdas/core/fleet-updates';
import { handler as checkUpdateStep } from '../../../lambdas/fleet/check-app-update';
import { handler as finishCustomerStep } from '../../../lambdas/fleet/finish-customer-update';
import { handler as rollBackStep } from '../../../lambdas/fleet/roll-back-customer-update';
import { handler as selectTargetsStep } from '../../../lambdas/fleet/select-fleet-targets';
import { handler as startCustomerStep } from '../../../lambdas/fleet/start-customer-update';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { asTask, awsError } from '../provisioning/helpers';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as CustomerDirectory from '../../../lambdas/repositories/customer-directory';
import type * as FleetUpdates from '../../../lambdas/repositories/fleet-updates';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';

// The repositories the steps and routes use. Their DynamoDB side (one create per id, each final result counted
// once in its transaction, a rollback counted as it starts, the CustomersByStatus Query) is proven on DynamoDB
// Local in test/unit/repositories/fleet-updates.test.ts and customer-directory.test.ts.
const createFleetUpdate = jest.fn<ReturnType<typeof FleetUpdates.createFleetUpdate>, Parameters<typeof FleetUpdates.createFleetUpdate>>();
const getFleetUpdate = jest.fn<ReturnType<typeof FleetUpdates.getFleetUpdate>, Parameters<typeof FleetUpdates.getFleetUpdate>>();
const setFleetUpdate = jest.fn<ReturnType<typeof FleetUpdates.setFleetUpdate>, Parameters<typeof FleetUpdates.setFleetUpdate>>();
const addPendingCustomers = jest.fn<ReturnType<typeof FleetUpdates.addPendingCustomers>, Parameters<typeof FleetUpdates.addPendingCustomers>>();
const getFleetUpdateCustomer = jest.fn<ReturnType<typeof FleetUpdates.getFleetUpdateCustomer>, Parameters<typeof FleetUpdates.getFleetUpdateCustomer>>();
const setCustomerInFlight = jest.fn<ReturnType<typeof FleetUpdates.setCustomerInFlight>, Parameters<typeof FleetUpdates.setCustomerInFlight>>();
const startRollback = jest.fn<ReturnType<typeof FleetUpdates.startRollback>, Parameters<typeof FleetUpdates.startRollback>>();
const finishCustomer = jest.fn<ReturnType<typeof FleetUpdates.finishCustomer>, Parameters<typeof FleetUpdates.finishCustomer>>();
const listFleetUpdateCustomers = jest.fn<ReturnType<typeof FleetUpdates.listFleetUpdateCustomers>, Parameters<typeof FleetUpdates.listFleetUpdateCustomers>>();
jest.mock('../../../lambdas/repositories/fleet-updates', () => ({
  createFleetUpdate: (...args: Parameters<typeof FleetUpdates.createFleetUpdate>) => createFleetUpdate(...args),
  getFleetUpdate: (...args: Parameters<typeof FleetUpdates.getFleetUpdate>) => getFleetUpdate(...args),
  setFleetUpdate: (...args: Parameters<typeof FleetUpdates.setFleetUpdate>) => setFleetUpdate(...args),
  addPendingCustomers: (...args: Parameters<typeof FleetUpdates.addPendingCustomers>) => addPendingCustomers(...args),
  getFleetUpdateCustomer: (...args: Parameters<typeof FleetUpdates.getFleetUpdateCustomer>) => getFleetUpdateCustomer(...args),
  setCustomerInFlight: (...args: Parameters<typeof FleetUpdates.setCustomerInFlight>) => setCustomerInFlight(...args),
  startRollback: (...args: Parameters<typeof FleetUpdates.startRollback>) => startRollback(...args),
  finishCustomer: (...args: Parameters<typeof FleetUpdates.finishCustomer>) => finishCustomer(...args),
  listFleetUpdateCustomers: (...args: Parameters<typeof FleetUpdates.listFleetUpdateCustomers>) => listFleetUpdateCustomers(...args),
}));
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
}));
const queryCustomersByStatus = jest.fn<ReturnType<typeof CustomerDirectory.queryCustomersByStatus>, Parameters<typeof CustomerDirectory.queryCustomersByStatus>>();
jest.mock('../../../lambdas/repositories/customer-directory', () => ({
  queryCustomersByStatus: (...args: Parameters<typeof CustomerDirectory.queryCustomersByStatus>) => queryCustomersByStatus(...args),
}));
// The step log every workflow step writes (step-kit).
const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof ProvisioningLog.recordStep>) => recordStep(...args),
}));
const fakes = [recordStep, createFleetUpdate, getFleetUpdate, setFleetUpdate, addPendingCustomers, getFleetUpdateCustomer, setCustomerInFlight, startRollback, finishCustomer, listFleetUpdateCustomers, getCustomer, getInfrastructure, queryCustomersByStatus];

// Each step as its Task invokes it, with its state's name (fleet-update.asl.json).
const selectTargets = asTask('Select customers', selectTargetsStep);
const startCustomer = asTask('Start customer update', startCustomerStep);
const checkUpdate = asTask('Check update', checkUpdateStep);
const rollBack = asTask('Roll back customer', rollBackStep);
const recordCustomerResult = (input: { result: string } & Record<string, unknown>) => asTask(input.result === 'updated' ? 'Customer updated' : 'Customer not updated', finishCustomerStep)(input);

const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);

const UPDATE_ID = 'fu-0123456789abcdef01234567';
const update = (fields: Record<string, unknown> = {}): FleetUpdate => ({
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
}) as FleetUpdate;
const profile = (fields: Record<string, unknown> = {}) => ({ customerId: 'cust-1', status: 'active', plan: 'business', subdomain: 'acme.customers.test', ...fields });
const step = { customerId: 'cust-1', executionName: 'fleet-x', updateId: UPDATE_ID, version: '2026.12.0' };

/** What the repositories read: the update, cust-1's report line, its profile, its infrastructure. */
function serve(items: { update?: FleetUpdate; line?: object; profile?: object; infrastructure?: object }) {
  getFleetUpdate.mockImplementation(async (updateId) => (updateId === UPDATE_ID ? items.update : undefined));
  getFleetUpdateCustomer.mockImplementation(async (updateId, customerId) => (updateId === UPDATE_ID && customerId === 'cust-1' ? (items.line as FleetUpdateCustomer | undefined) : undefined));
  getCustomer.mockImplementation(async (customerId) => (customerId === 'cust-1' ? (items.profile as Customer | undefined) : undefined));
  getInfrastructure.mockImplementation(async (customerId) => (customerId === 'cust-1' ? items.infrastructure : undefined));
}
/** The final results the steps recorded (finishCustomer's report line). */
const finals = () => finishCustomer.mock.calls.map(([, , final]) => final);

beforeEach(() => {
  ssm.reset();
  sfn.reset();
  for (const fake of fakes) fake.mockReset();
  serve({});
  createFleetUpdate.mockImplementation(async (stored) => ({ created: true, update: stored }));
  recordStep.mockResolvedValue(undefined);
  setFleetUpdate.mockResolvedValue(true);
  addPendingCustomers.mockResolvedValue(undefined);
  setCustomerInFlight.mockResolvedValue(undefined);
  startRollback.mockResolvedValue(true);
  finishCustomer.mockResolvedValue(true);
  listFleetUpdateCustomers.mockResolvedValue([]);
  queryCustomersByStatus.mockResolvedValue({ items: [] });
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
    expect(setCustomerInFlight).toHaveBeenCalledWith(UPDATE_ID, 'cust-1', expect.objectContaining({ result: 'updating', fromVersion: '2026.11.0', instanceId: 'i-1' }));
    expect(setCustomerInFlight).toHaveBeenLastCalledWith(UPDATE_ID, 'cust-1', { result: 'updating', commandId: 'cmd-1' });
    expect(finishCustomer).not.toHaveBeenCalled();
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
    expect(setCustomerInFlight).not.toHaveBeenCalled();
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
    // Counted against the error budget as the rollback starts, not once it ends (startRollback adds to `failing`).
    expect(startRollback.mock.calls).toEqual([[UPDATE_ID, 'cust-1', 'Health check failed: crm:80']]);
    expect(setCustomerInFlight).toHaveBeenLastCalledWith(UPDATE_ID, 'cust-1', { result: 'rolling_back', rollbackCommandId: 'rb-1' });

    serve({ profile: profile(), line: { result: 'rolling_back', fromVersion: '2026.11.0', rollbackCommandId: 'rb-1' } });
    await expect(rollBack(input)).resolves.toEqual({ commandId: 'rb-1' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(startRollback).toHaveBeenCalledTimes(1);
  });

  it('a rolled-back customer is failed with the reason, and its profile keeps the previous version', async () => {
    serve({ line: { result: 'rolling_back', fromVersion: '2026.11.0', startedAt: new Date(Date.now() - 90_000).toISOString() } });
    await recordCustomerResult({ ...step, result: 'failed', rolledBack: true, error: { Error: 'AppsUnhealthyError', Cause: JSON.stringify({ errorMessage: 'Health check failed: crm:80' }) } });

    const [final] = finals();
    expect(final).toMatchObject({ result: 'failed', reason: 'Health check failed: crm:80; rolled back to 2026.11.0', rolledBack: true });
    expect(final!.durationSeconds).toBeGreaterThanOrEqual(90);
    // The profile keeps the previous version; already counted against the budget when its rollback started.
    expect(finishCustomer.mock.calls).toEqual([[UPDATE_ID, 'cust-1', expect.objectContaining({ result: 'failed' }), '2026.11.0', false]]);
  });
});

describe('Select customers', () => {
  it('queries the CustomersByStatus index for active customers (never a Scan) and writes them pending', async () => {
    serve({ update: update({ target: { plan: 'business' } }) });
    const nextKey = { pk: 'x', sk: 'x', status: 'active', createdAt: 't' };
    const listing = (customerId: string) => ({ customerId }) as CustomerDirectory.CustomerListing;
    queryCustomersByStatus.mockResolvedValueOnce({ items: [listing('a')], nextKey }).mockResolvedValue({ items: [listing('b')] });

    await expect(selectTargets({ updateId: UPDATE_ID, executionName: 'fleet-x' })).resolves.toEqual({ customerIds: ['a', 'b'], total: 2 });
    expect(queryCustomersByStatus.mock.calls).toEqual([
      ['active', { limit: 500, plan: 'business', startKey: undefined }],
      ['active', { limit: 500, plan: 'business', startKey: nextKey }],
    ]);
    expect(addPendingCustomers.mock.calls).toEqual([[expect.objectContaining({ updateId: UPDATE_ID }), ['a', 'b']]]);
    expect(setFleetUpdate).toHaveBeenCalledWith(UPDATE_ID, expect.objectContaining({ total: 2 }));
  });

  it('a listed customer that is not active is in the report as skipped, never selected', async () => {
    serve({ update: update({ target: { customerIds: ['cust-1'] } }), profile: profile({ status: 'suspended' }) });
    await expect(selectTargets({ updateId: UPDATE_ID, executionName: 'fleet-x' })).resolves.toEqual({ customerIds: [], total: 1 });
    expect(finals()).toEqual([expect.objectContaining({ result: 'skipped', reason: 'Status is suspended: only active customers are updated' })]);
    expect(queryCustomersByStatus).not.toHaveBeenCalled();
  });
});

describe('POST /admin/fleet-updates and GET /admin/fleet-updates/{id}', () => {
  const body = { version: '2026.12.0', target: { customerIds: ['b', 'a'] }, maxConcurrent: 2, maxFailures: 0 };
  const post = (json: unknown) => startFleetUpdateRoute(apiEvent({ path: '/admin/fleet-updates', json }), lambdaContext);

  it('the same body 50 times at once starts one execution, named from the request hash', async () => {
    // createFleetUpdate under its condition (attribute_not_exists): the first create stores, the others find it.
    let stored: FleetUpdate | undefined;
    createFleetUpdate.mockImplementation(async (next) => {
      if (stored) return { created: false, update: stored };
      stored = next;
      return { created: true, update: next };
    });
    getFleetUpdate.mockImplementation(async () => stored);
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
    getFleetUpdate.mockResolvedValue(update());
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
    expect(createFleetUpdate).not.toHaveBeenCalled();
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('GET answers the report without command ids or the operator, and 404 for an unknown update', async () => {
    getFleetUpdate.mockResolvedValue(update({ total: 2, failed: 1 }));
    listFleetUpdateCustomers.mockResolvedValue([
        { customerId: 'a', toVersion: '2026.12.0', fromVersion: '2026.11.0', result: 'updated', commandId: 'cmd-a', instanceId: 'i-a', durationSeconds: 61 },
      { customerId: 'b', toVersion: '2026.12.0', result: 'pending' },
    ] as FleetUpdateCustomer[]);
    const answer = await getFleetUpdateRoute(apiEvent({ httpMethod: 'GET', path: `/admin/fleet-updates/${UPDATE_ID}`, pathParameters: { updateId: UPDATE_ID } }), lambdaContext);
    expect(answer.statusCode).toBe(200);
    const report = bodyOf(answer);
    expect(report.progress).toEqual({ total: 2, pending: 1, updating: 0, rolling_back: 0, updated: 1, failed: 0, skipped: 0 });
    expect(report.customers[0]).toEqual({ customerId: 'a', toVersion: '2026.12.0', fromVersion: '2026.11.0', result: 'updated', durationSeconds: 61 });
    expect(report.requestedBy).toBeUndefined();

    getFleetUpdate.mockResolvedValue(undefined);
    const missing = await getFleetUpdateRoute(apiEvent({ httpMethod: 'GET', path: '/admin/fleet-updates/fu-x', pathParameters: { updateId: 'fu-x' } }), lambdaContext);
    expect(missing.statusCode).toBe(404);
  });
});
