import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import { loadDefinition } from '../../../statemachines/definition-loader';
import { RESTORE_CUSTOMER } from '../../../statemachines/workflows';

/**
 * The RestoreCustomer ASL's control flow, run by the local engine with fake step handlers (the harness of
 * test/unit/provisioning/state-machine.test.ts): which states run, in which order, and how each failure
 * ends. Calls are recorded by state name (the loader passes it to every step), since one handler serves
 * several states ("Detach current volume" and "Detach restored volume"). Waits and retries take no time.
 */
type Fake = jest.Mock<Promise<unknown>, [Record<string, unknown>]>;
let dataDir: string;
let fakes: Record<string, Fake>;
let calls: string[];

const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const fake = (result: unknown): Fake => jest.fn(async (_input: Record<string, unknown>) => result);
/** A check step: NotReadyError `notReady` times (its Task retries it), then `result`. */
const check = (result: unknown, notReady = 1): Fake => {
  let seen = 0;
  return jest.fn(async (_input: Record<string, unknown>) => {
    seen += 1;
    if (seen <= notReady) throw named('NotReadyError', 'still pending');
    return result;
  });
};
/** Fails in the states named, succeeds with `result` in the others (handlers shared by several states). */
const failingIn = (states: readonly string[], error: Error, result: unknown): Fake =>
  jest.fn(async (input) => {
    if (states.includes(input.stepName as string)) throw error;
    return result;
  });

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-restore-'));
  calls = [];
  fakes = {
    'restore/start-restore-job': fake({ restoreJobId: 'job-1', instanceId: 'i-1', plan: 'business' }),
    'restore/check-restore-job': check({ volumeId: 'vol-new' }, 2),
    'restore/stop-for-restore': fake({ instanceId: 'i-1', state: 'stopping' }),
    'lifecycle/check-instance-stopped': check({ instanceId: 'i-1', state: 'stopped' }),
    'restore/detach-volume': check({ volumeId: 'vol-x' }),
    'restore/attach-volume': check({ volumeId: 'vol-x' }),
    'lifecycle/start-instance': fake({ instanceId: 'i-1', previousIp: '203.0.113.1', subdomain: 'acme.customers.test' }),
    'lifecycle/check-instance-started': check({ instanceId: 'i-1', publicIp: '203.0.113.9' }),
    'provisioning/point-subdomain': fake({ changeId: 'C1' }),
    'provisioning/check-dns-change': check({}),
    'provisioning/check-ssm-agent': check({ online: true }),
    'provisioning/deploy-applications': fake({ commandId: 'cmd-1' }),
    'provisioning/check-deployment': check({ commandId: 'cmd-1' }, 2),
    'restore/delete-volume': fake({ volumeId: 'vol-x' }),
    'restore/finish-restore': jest.fn(async (input) => ({ reason: input.outcome === 'restored' ? null : `why: ${(input.error as { Error: string }).Error}` })),
    'lifecycle/send-lifecycle-email': fake({ sent: true }),
  };
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(input: object = { customerId: 'cust-1', recoveryPointId: 'snap-0123456789abcdef0' }): Promise<ExecutionRecord> {
  const engine = new StepFunctionsEngine({
    workflows: [RESTORE_CUSTOMER],
    dataDir,
    loadHandler: async (handlerPath) => {
      const handler = fakes[handlerPath];
      if (!handler) throw new Error(`no fake for ${handlerPath}`);
      return (async (event: Record<string, unknown>) => {
        if (calls.at(-1) !== event.stepName) calls.push(event.stepName as string);
        return handler(event);
      }) as unknown as LambdaHandler;
    },
    timeScale: () => 0,
  });
  const started = engine.start({ stateMachineArn: stateMachineArn(RESTORE_CUSTOMER.id), name: 'restore-cust-1-1', input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

const inputsOf = (handlerPath: string) => fakes[handlerPath]!.mock.calls.map(([input]) => input);
const ROLLBACK = ['Detach restored volume', 'Attach previous volume', 'Start instance again', 'Check instance running again', 'Point subdomain again', 'Check DNS change again'];

describe('RestoreCustomer state machine', () => {
  it('healthy: restores, swaps the volume, starts, re-points DNS, checks the apps, confirms, then deletes the old volume and emails', async () => {
    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      'Start restore job',
      'Check restore job',
      'Stop instance',
      'Check instance stopped',
      'Detach current volume',
      'Attach restored volume',
      'Start instance',
      'Check instance running',
      'Point subdomain at instance',
      'Check DNS change',
      'Check instance agent',
      'Start applications',
      'Check applications',
      'Confirm restore',
      'Delete previous volume',
      'Send restored email',
    ]);
    // The old volume is deleted only after the restore is confirmed healthy, and never the restored one.
    expect(inputsOf('restore/delete-volume')).toEqual([expect.objectContaining({ which: 'previous', stepName: 'Delete previous volume' })]);
    expect(inputsOf('restore/detach-volume')[0]).toMatchObject({ which: 'previous' });
    expect(inputsOf('restore/attach-volume')[0]).toMatchObject({ which: 'restored' });
    expect(inputsOf('restore/finish-restore')).toEqual([expect.objectContaining({ outcome: 'restored' })]);
    expect(inputsOf('provisioning/deploy-applications')[0]).toMatchObject({ instanceId: 'i-1', subdomain: 'acme.customers.test', plan: 'business' });
    expect(inputsOf('provisioning/point-subdomain')[0]).toMatchObject({ publicIp: '203.0.113.9' });
    expect(inputsOf('lifecycle/send-lifecycle-email')).toEqual([expect.objectContaining({ kind: 'restored' })]);
    // Each wait is a retried check: 2 not-ready answers then done, one state each.
    expect(inputsOf('restore/check-restore-job')).toHaveLength(3);
    expect(inputsOf('restore/start-restore-job')[0]).toMatchObject({ recoveryPointId: 'snap-0123456789abcdef0', customerId: 'cust-1', executionName: 'restore-cust-1-1' });
  });

  it('failed check: the restored server fails its apps check, so the old volume goes back, the server runs, the restored volume is deleted and why is recorded', async () => {
    fakes['provisioning/check-deployment'] = jest.fn(async (_input: Record<string, unknown>) => {
      throw named('DeploymentFailedError', 'Deployment command cmd-1 ended Failed');
    });

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RestoreRolledBack');
    expect(execution.cause).toBe('why: DeploymentFailedError');
    expect(calls.slice(calls.indexOf('Check applications'))).toEqual(['Check applications', ...ROLLBACK, 'Delete restored volume', 'Record restore failure', 'Send restore failed email']);
    expect(inputsOf('restore/delete-volume')).toEqual([expect.objectContaining({ which: 'restored' })]);
    expect(inputsOf('restore/finish-restore')).toEqual([expect.objectContaining({ outcome: 'rolled_back', error: expect.objectContaining({ Error: 'DeploymentFailedError' }) })]);
    expect(inputsOf('lifecycle/send-lifecycle-email')).toEqual([expect.objectContaining({ kind: 'restore_rolled_back' })]);
    expect(calls).not.toContain('Confirm restore');
  });

  it('restore job fails: the server is never stopped; a volume the job left is deleted and the failure recorded', async () => {
    fakes['restore/check-restore-job'] = jest.fn(async (_input: Record<string, unknown>) => {
      throw named('RestoreJobFailedError', 'AWS Backup could not restore the recovery point (restore job FAILED)');
    });

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RestoreRolledBack');
    expect(calls).toEqual(['Start restore job', 'Check restore job', 'Delete restored volume', 'Record restore failure', 'Send restore failed email']);
    expect(calls).not.toContain('Stop instance');
  });

  it('a recovery point that is not the customer\'s fails before anything is touched', async () => {
    fakes['restore/start-restore-job'] = jest.fn(async (_input: Record<string, unknown>) => {
      throw named('RecoveryPointNotOwnedError', "Recovery point snap-1 is not one of this customer's backups");
    });

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(calls).toEqual(['Start restore job', 'Delete restored volume', 'Record restore failure', 'Send restore failed email']);
  });

  it('a failure during the swap (the restored volume will not attach) rolls back too', async () => {
    fakes['restore/attach-volume'] = failingIn(['Attach restored volume'], named('VolumeSwapError', 'Volume vol-new is attached elsewhere'), { volumeId: 'vol-old' });

    const execution = await run();

    expect(execution.error).toBe('RestoreRolledBack');
    expect(calls.slice(calls.indexOf('Attach restored volume'))).toEqual(['Attach restored volume', ...ROLLBACK, 'Delete restored volume', 'Record restore failure', 'Send restore failed email']);
  });

  it('interrupted: the roll-back-only execution (started for a stopped restore) puts the old volume back and leaves the customer running', async () => {
    const execution = await run({ customerId: 'cust-1', rollBackOnly: true, error: { Error: 'RestoreStoppedError', Cause: 'Restoring the backup was stopped before it finished.' } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RestoreRolledBack');
    expect(calls).toEqual([...ROLLBACK, 'Delete restored volume', 'Record restore failure', 'Send restore failed email']);
    expect(inputsOf('restore/finish-restore')[0]).toMatchObject({ outcome: 'rolled_back', error: { Error: 'RestoreStoppedError' } });
  });

  it('a roll-back that fails is recorded for operators (no customer email) and ends in its own Fail state', async () => {
    fakes['provisioning/check-deployment'] = jest.fn(async (_input: Record<string, unknown>) => {
      throw named('DeploymentFailedError', 'failed');
    });
    fakes['restore/attach-volume'] = failingIn(['Attach previous volume'], named('VolumeSwapError', 'The previous volume vol-old cannot be attached: it does not exist'), { volumeId: 'vol-new' });

    const execution = await run();

    expect(execution.error).toBe('RestoreRollbackIncomplete');
    expect(calls.slice(-2)).toEqual(['Attach previous volume', 'Record rollback failure']);
    expect(inputsOf('restore/finish-restore')[0]).toMatchObject({ outcome: 'rollback_incomplete', error: expect.objectContaining({ Error: 'VolumeSwapError' }) });
    expect(inputsOf('lifecycle/send-lifecycle-email')).toEqual([]);
  });

  it('a lost email does not undo a healthy restore', async () => {
    fakes['lifecycle/send-lifecycle-email'] = failingIn(['Send restored email'], named('MessageRejected'), { sent: false });

    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.slice(-2)).toEqual(['Send restored email', 'Restored email not sent']);
  });

  it('is built from statemachines/restore-customer.asl.json through the one loader: every check a bounded NotReadyError retry, every Lambda Task on the standard Retry', () => {
    const { States, TimeoutSeconds } = loadDefinition(RESTORE_CUSTOMER);
    expect(TimeoutSeconds).toBe(10800);
    for (const [name, state] of Object.entries(States)) {
      if (state.Type !== 'Task') continue;
      // The standard transient policy last, or (the failure records) a retry of everything.
      const last = state.Retry?.at(-1)?.ErrorEquals ?? [];
      expect({ name, retried: last.includes('TransientError') || last.includes('States.ALL') }).toEqual({ name, retried: true });
      const poll = (state.Retry as { ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number }[]).find((retrier) => retrier.ErrorEquals.includes('NotReadyError'));
      if (poll) expect({ name, bounded: poll.MaxAttempts! > 0 && poll.BackoffRate === 1 }).toEqual({ name, bounded: true });
    }
  });
});
