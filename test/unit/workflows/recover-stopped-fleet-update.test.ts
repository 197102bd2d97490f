import type { FleetUpdate, FleetUpdateCustomer } from '../../../lambdas/core/fleet-updates';
import type * as FleetUpdates from '../../../lambdas/repositories/fleet-updates';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import { handler } from '../../../lambdas/workflows/recover-stopped-execution';
import { INTERRUPTED_CUSTOMER_REASON, NOT_STARTED_CUSTOMER_REASON } from '../../../lambdas/workflows/stopped-fleet-update';

// The fleet-updates repository as a fake of the table: finishCustomer applies only under its condition (the line
// not final yet) and counts the result on the update, as its DynamoDB Local test proves; tests assert the end state.
const getFleetUpdate = jest.fn<ReturnType<typeof FleetUpdates.getFleetUpdate>, Parameters<typeof FleetUpdates.getFleetUpdate>>();
const setFleetUpdate = jest.fn<ReturnType<typeof FleetUpdates.setFleetUpdate>, Parameters<typeof FleetUpdates.setFleetUpdate>>();
const listFleetUpdateCustomers = jest.fn<ReturnType<typeof FleetUpdates.listFleetUpdateCustomers>, Parameters<typeof FleetUpdates.listFleetUpdateCustomers>>();
const finishCustomer = jest.fn<ReturnType<typeof FleetUpdates.finishCustomer>, Parameters<typeof FleetUpdates.finishCustomer>>();
jest.mock('../../../lambdas/repositories/fleet-updates', () => ({
  getFleetUpdate: (...args: Parameters<typeof FleetUpdates.getFleetUpdate>) => getFleetUpdate(...args),
  setFleetUpdate: (...args: Parameters<typeof FleetUpdates.setFleetUpdate>) => setFleetUpdate(...args),
  listFleetUpdateCustomers: (...args: Parameters<typeof FleetUpdates.listFleetUpdateCustomers>) => listFleetUpdateCustomers(...args),
  finishCustomer: (...args: Parameters<typeof FleetUpdates.finishCustomer>) => finishCustomer(...args),
}));
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
  recordStep: jest.fn(),
}));

const FLEET_ARN = process.env.FLEET_UPDATE_STATE_MACHINE_ARN!;
const UPDATE_ID = 'fu-0123456789abcdef01234567';
const EXECUTION = `fleet-2-4-0-${UPDATE_ID}`;
const STOPPED_AT = '2026-12-01T00:05:00.000Z';

/** The stored updates by id (another update runs beside the stopped one), and their per-customer lines. */
let updates: Map<string, FleetUpdate>;
let lines: Map<string, Map<string, FleetUpdateCustomer>>;

function storedUpdate(updateId: string, executionName: string, overrides: Partial<FleetUpdate> = {}): FleetUpdate {
  return {
    updateId,
    version: '2.4.0',
    target: { all: true },
    maxConcurrent: 2,
    maxFailures: 1,
    attempt: 1,
    status: 'running',
    executionName,
    requestedBy: 'arn:aws:iam::000000000000:user/operator',
    requestedAt: '2026-12-01T00:00:00.000Z',
    total: 5,
    updated: 1,
    failing: 1,
    ...overrides,
  };
}

function seed(updateId: string, results: Record<string, FleetUpdateCustomer['result']>): void {
  lines.set(updateId, new Map(Object.entries(results).map(([customerId, result]) => [customerId, { customerId, toVersion: '2.4.0', result }])));
}

function event(detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: STOPPED_AT,
    region: 'us-east-1',
    resources: [],
    detail: {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:FleetUpdate:${EXECUTION}`,
      stateMachineArn: FLEET_ARN,
      name: EXECUTION,
      status: 'ABORTED',
      startDate: Date.parse('2026-12-01T00:00:00Z'),
      stopDate: Date.parse(STOPPED_AT),
      input: JSON.stringify({ updateId: UPDATE_ID, version: '2.4.0', maxConcurrent: 2, maxFailures: 1 }),
      error: null,
      cause: null,
      ...detail,
    },
  };
}

beforeEach(() => {
  updates = new Map([
    [UPDATE_ID, storedUpdate(UPDATE_ID, EXECUTION)],
    ['fu-other', storedUpdate('fu-other', 'fleet-2-4-0-fu-other')],
  ]);
  lines = new Map();
  // c1 updated already, c2 failed already, c3 updating, c4 rolling back, c5 not started.
  seed(UPDATE_ID, { c1: 'updated', c2: 'failed', c3: 'updating', c4: 'rolling_back', c5: 'pending' });
  seed('fu-other', { c1: 'updating', c5: 'pending' });
  getFleetUpdate.mockReset().mockImplementation(async (updateId) => updates.get(updateId) && { ...updates.get(updateId)! });
  // As the repository does: only while the update has `whileStatus` (false otherwise), and only if it exists.
  setFleetUpdate.mockReset().mockImplementation(async (updateId, fields, whileStatus) => {
    const update = updates.get(updateId);
    if (!update) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    if (whileStatus !== undefined && update.status !== whileStatus) return false;
    updates.set(updateId, { ...update, ...fields });
    return true;
  });
  listFleetUpdateCustomers.mockReset().mockImplementation(async (updateId) => [...(lines.get(updateId)?.values() ?? [])].map((line) => ({ ...line })));
  finishCustomer.mockReset().mockImplementation(async (updateId, customerId, final, _profileVersion, countsAgainstBudget = false) => {
    const line = lines.get(updateId)?.get(customerId);
    if (!line || ['updated', 'failed', 'skipped'].includes(line.result)) return false;
    lines.get(updateId)!.set(customerId, { ...line, ...final });
    const update = updates.get(updateId)!;
    updates.set(updateId, {
      ...update,
      [final.result]: ((update[final.result] as number | undefined) ?? 0) + 1,
      failing: (update.failing ?? 0) + (countsAgainstBudget ? 1 : 0),
    });
    return true;
  });
  failRunningSteps.mockReset().mockResolvedValue(undefined);
});

const results = (updateId: string) => Object.fromEntries([...lines.get(updateId)!.values()].map((line) => [line.customerId, [line.result, line.reason]]));

describe('a FleetUpdate execution stopped from the console or timed out', () => {
  it.each([
    ['ABORTED', 'The fleet update was stopped before it finished.'],
    ['TIMED_OUT', 'The fleet update took longer than it is allowed to.'],
  ])('%s: the update ends `stopped` with the reason, the not-started are skipped, the in-flight failed', async (status, reason) => {
    await expect(handler(event({ status }))).resolves.toEqual({ action: 'cleaned-up', reason, leftovers: [] });

    expect(updates.get(UPDATE_ID)).toMatchObject({ status: 'stopped', failureReason: reason, finishedAt: STOPPED_AT, updated: 1, failed: 2, skipped: 1 });
    // The update cut off mid-way counts against the budget; the rollback was counted when it started.
    expect(updates.get(UPDATE_ID)?.failing).toBe(2);
    expect(results(UPDATE_ID)).toEqual({
      c1: ['updated', undefined],
      c2: ['failed', undefined],
      c3: ['failed', INTERRUPTED_CUSTOMER_REASON],
      c4: ['failed', INTERRUPTED_CUSTOMER_REASON],
      c5: ['skipped', NOT_STARTED_CUSTOMER_REASON],
    });
    // The in-flight customers' step logs end the running step with the reason; the others' are not touched.
    expect(failRunningSteps.mock.calls.map(([customerId, executionName]) => [customerId, executionName]).sort()).toEqual([
      ['c3', EXECUTION],
      ['c4', EXECUTION],
    ]);
  });

  it('never touches another update, running beside it', async () => {
    const before = { update: updates.get('fu-other'), lines: results('fu-other') };
    await handler(event());
    expect(updates.get('fu-other')).toEqual(before.update);
    expect(results('fu-other')).toEqual(before.lines);
    expect(listFleetUpdateCustomers.mock.calls.map(([id]) => id)).toEqual([UPDATE_ID]);
  });

  it('the burst: the same event 50 times at once ends in the same state as once, each customer counted once', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => handler(event())));
    expect(answers.every((answer) => answer.action === 'cleaned-up' || answer.action === 'ignored')).toBe(true);
    expect(updates.get(UPDATE_ID)).toMatchObject({ status: 'stopped', finishedAt: STOPPED_AT, updated: 1, failed: 2, skipped: 1, failing: 2 });
    expect(results(UPDATE_ID)).toMatchObject({ c3: ['failed', INTERRUPTED_CUSTOMER_REASON], c5: ['skipped', NOT_STARTED_CUSTOMER_REASON] });
    // And once more, later: the update is stopped already, nothing is written.
    setFleetUpdate.mockClear();
    finishCustomer.mockClear();
    await expect(handler(event())).resolves.toEqual({ action: 'ignored', why: 'the fleet update is stopped already' });
    expect(setFleetUpdate).not.toHaveBeenCalled();
    expect(finishCustomer).not.toHaveBeenCalled();
  });

  it('a retry after a partial write (the update still running) finishes the job without counting anyone twice', async () => {
    setFleetUpdate.mockRejectedValueOnce(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(handler(event())).rejects.toThrow('throttled');
    expect(updates.get(UPDATE_ID)?.status).toBe('running');
    await handler(event());
    expect(updates.get(UPDATE_ID)).toMatchObject({ status: 'stopped', failed: 2, skipped: 1, failing: 2 });
  });
});

describe('a FleetUpdate execution the handler leaves alone', () => {
  it.each(['ErrorBudgetSpent', 'FleetUpdateFailed'])('FAILED on its own Fail state (%s): the workflow recorded the end itself', async (error) => {
    await expect(handler(event({ status: 'FAILED', error, cause: 'More customers failed than allowed' }))).resolves.toEqual({
      action: 'ignored',
      why: 'the workflow recorded its own failure',
    });
    expect(getFleetUpdate).not.toHaveBeenCalled();
    expect(updates.get(UPDATE_ID)?.status).toBe('running');
  });

  it('an update that finished before the stop reached it stays as it ended', async () => {
    updates.set(UPDATE_ID, storedUpdate(UPDATE_ID, EXECUTION, { status: 'completed' }));
    await expect(handler(event())).resolves.toEqual({ action: 'ignored', why: 'the fleet update is completed already' });
    expect(finishCustomer).not.toHaveBeenCalled();
  });

  it('an execution whose update is not stored, or is another execution’s, or whose input names none', async () => {
    await expect(handler(event({ input: JSON.stringify({ updateId: 'fu-gone' }) }))).resolves.toMatchObject({ action: 'ignored' });
    await expect(handler(event({ input: JSON.stringify({ updateId: 'fu-other' }) }))).resolves.toEqual({ action: 'ignored', why: 'not the execution of a stored fleet update' });
    await expect(handler(event({ input: '{"version":"2.4.0"}' }))).resolves.toEqual({ action: 'ignored', why: 'the execution input names no fleet update' });
    expect(finishCustomer).not.toHaveBeenCalled();
    expect(setFleetUpdate).not.toHaveBeenCalled();
  });

  it('without FLEET_UPDATE_STATE_MACHINE_ARN in its environment, the function does not know the workflow', async () => {
    const arn = process.env.FLEET_UPDATE_STATE_MACHINE_ARN;
    delete process.env.FLEET_UPDATE_STATE_MACHINE_ARN;
    try {
      await expect(handler(event())).resolves.toEqual({ action: 'ignored', why: 'not one of our workflows' });
    } finally {
      process.env.FLEET_UPDATE_STATE_MACHINE_ARN = arn;
    }
  });
});
