import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type * as CustomerLifecycle from '../../../lambdas/repositories/customer-lifecycle';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import type * as Restores from '../../../lambdas/repositories/restores';
import { handler } from '../../../lambdas/workflows/recover-stopped-execution';

process.env.RESTORE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:RestoreCustomer';

// The customer, its RESTORE item (keeping what endRestore sets; the item's own rules are proven in
// test/unit/repositories/restores.test.ts) and the step log, as the repositories return and record them.
jest.mock('../../../lambdas/repositories/customer-lifecycle', () => ({
  getLifecycleCustomer: async (customerId: string): ReturnType<typeof CustomerLifecycle.getLifecycleCustomer> =>
    customerId === 'cust-1' ? ({ customerId, status: 'active', subdomain: 'acme.customers.stackpro.test' } as Awaited<ReturnType<typeof CustomerLifecycle.getLifecycleCustomer>>) : undefined,
}));
jest.mock('../../../lambdas/repositories/restores', () => ({
  getRestore: async (): ReturnType<typeof Restores.getRestore> => (restore ? { ...restore } : undefined),
  endRestore: async (...[, state, details]: Parameters<typeof Restores.endRestore>): ReturnType<typeof Restores.endRestore> => {
    if (restore) restore = { ...restore, state, ...(details?.reason ? { reason: details.reason } : {}) };
  },
}));
const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof ProvisioningLog.recordStep>) => recordStep(...args),
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
}));
const sfn = mockClient(SFNClient);
const EXECUTION = 'restore-cust-1-1764547200000';

/** The customer's RESTORE item as the repository holds it; the handler's writes apply to it. */
let restore: Restores.RestoreRecord | undefined;

function event(detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: '2026-12-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:RestoreCustomer:${EXECUTION}`,
      stateMachineArn: process.env.RESTORE_STATE_MACHINE_ARN,
      name: EXECUTION,
      status: 'ABORTED',
      startDate: Date.parse('2026-12-01T00:00:00Z'),
      stopDate: Date.parse('2026-12-01T00:01:00Z'),
      input: JSON.stringify({ customerId: 'cust-1', recoveryPointId: 'snap-0123456789abcdef0' }),
      ...detail,
    },
  };
}

beforeEach(() => {
  sfn.reset();
  recordStep.mockReset().mockResolvedValue(undefined);
  failRunningSteps.mockReset().mockResolvedValue(undefined);
  restore = { executionName: EXECUTION, recoveryPointId: 'snap-0123456789abcdef0', requestedAt: '2026-12-01T00:00:00.000Z', state: 'running', previousVolumeId: 'vol-0old', restoredVolumeId: 'vol-0new' };
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

/** [step, status] of each step the handler recorded in the stopped execution's log. */
const stepWrites = () => recordStep.mock.calls.filter(([customerId, executionName]) => customerId === 'cust-1' && executionName.startsWith(EXECUTION)).map(([, , name, status]) => [name, status]);

describe('a RestoreCustomer execution stopped from the console', () => {
  it('starts the roll-back-only execution once: the old volume goes back and the customer is left running', async () => {
    await expect(handler(event())).resolves.toEqual({ action: 'rerun', executionName: `${EXECUTION}-rollback` });

    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: process.env.RESTORE_STATE_MACHINE_ARN, name: `${EXECUTION}-rollback` });
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', rollBackOnly: true, error: { Error: 'RestoreStoppedError', Cause: expect.stringContaining('stopped') } });
    expect(stepWrites()).toContainEqual(['Roll back after the execution stopped', 'succeeded']);
    // The restore stays running until the roll-back records its own end.
    expect(restore?.state).toBe('running');
  });

  it('the same event again starts nothing new (the roll-back name is the idempotency key)', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(handler(event())).resolves.toEqual({ action: 'ignored', why: 'the roll-back was started already' });
  });

  it('a restore that rolled back by itself (its own Fail state) is left alone', async () => {
    await expect(handler(event({ status: 'FAILED', error: 'RestoreRolledBack' }))).resolves.toMatchObject({ action: 'ignored' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a restore already ended, or not the customer\'s latest, is left alone', async () => {
    restore = { ...restore!, state: 'restored' };
    await expect(handler(event())).resolves.toMatchObject({ action: 'ignored' });
    restore = { ...restore!, state: 'running', executionName: 'restore-cust-1-1764550000000' };
    await expect(handler(event())).resolves.toMatchObject({ action: 'ignored', why: 'not the customer’s latest restore' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a roll-back that is stopped too is left for operators: recorded as rollback_incomplete, never run a third time', async () => {
    const name = `${EXECUTION}-rollback`;
    await expect(handler(event({ name, executionArn: `arn:aws:states:us-east-1:000000000000:execution:RestoreCustomer:${name}` }))).resolves.toMatchObject({ action: 'left-for-operators' });
    expect(restore).toMatchObject({ state: 'rollback_incomplete', reason: expect.stringContaining('an operator must look at it') });
    expect(failRunningSteps).toHaveBeenCalledWith('cust-1', name, expect.stringContaining('stopped'));
    expect(stepWrites()).toContainEqual(['Roll back after the execution stopped', 'failed']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
