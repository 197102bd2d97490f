import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import { DEPROVISION_CUSTOMER, RESUME_CUSTOMER, SUSPEND_CUSTOMER } from '../../../statemachines/workflows';

/**
 * The lifecycle ASL files' control flow (loops, choices, retries, catches, Fail states), run by the local
 * engine with fake step handlers keyed by handler path: which steps run, in which order, and how each
 * workflow ends. Waits and retry intervals are compressed to nothing.
 */
type Fake = jest.Mock<Promise<unknown>, [Record<string, unknown>]>;
let dataDir: string;
let fakes: Record<string, Fake>;

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

const fake = (result: unknown): Fake => jest.fn(async (_input: Record<string, unknown>) => result);
/** A check step: NotReadyError (which its Task retries) `notReady` times, then `result`. */
const check = (result: unknown, notReady = 0): Fake => {
  let calls = 0;
  return jest.fn(async (_input: Record<string, unknown>) => {
    calls += 1;
    if (calls <= notReady) throw named('NotReadyError', 'still waiting');
    return result;
  });
};

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-lifecycle-'));
  const source = path.resolve(__dirname, '..', '..', '..', 'statemachines');
  for (const workflow of [SUSPEND_CUSTOMER, RESUME_CUSTOMER]) copyFileSync(path.join(source, workflow.file), path.join(dataDir, workflow.file));
  // aws-local-stepfunctions arms the execution timeout with one setTimeout, which Node caps at 2^31-1 ms
  // (about 24.8 days): the 31-day deprovisioning timeout would fire at once. The copy gets a shorter one.
  const deprovision = JSON.parse(readFileSync(path.join(source, DEPROVISION_CUSTOMER.file), 'utf8'));
  writeFileSync(path.join(dataDir, DEPROVISION_CUSTOMER.file), JSON.stringify({ ...deprovision, TimeoutSeconds: 3600 }));
  fakes = {
    'lifecycle/stop-instance': fake({ instanceId: 'i-1', state: 'stopping', done: false }),
    'lifecycle/check-instance-stopped': check({ instanceId: 'i-1', state: 'stopped' }, 1),
    'lifecycle/park-subdomain': fake({ parked: true }),
    'lifecycle/mark-customer-suspended': fake({ status: 'suspended', notify: true }),
    'lifecycle/send-lifecycle-email': fake({ sent: true }),
    'lifecycle/record-lifecycle-failure': jest.fn(async (input) => ({ reason: `${(input.error as { Error: string }).Error}: it broke` })),
    'lifecycle/start-instance': fake({ instanceId: 'i-1', previousIp: '198.51.100.7', subdomain: 'acme.x' }),
    'lifecycle/check-instance-started': check({ instanceId: 'i-1', publicIp: '203.0.113.9' }),
    'provisioning/point-subdomain': fake({ changeId: 'C1' }),
    'provisioning/check-dns-change': check({ changeId: 'C1' }, 1),
    'lifecycle/mark-customer-active': fake({ status: 'active', notify: true }),
    'lifecycle/check-still-cancelled': fake({ proceed: true, subdomain: 'acme.x', reason: 'subscription canceled' }),
    'lifecycle/snapshot-data-volume': fake({ snapshotId: 'snap-1', done: false }),
    'lifecycle/check-snapshot': check({ snapshotId: 'snap-1' }),
    'provisioning/terminate-instances': fake({ terminated: ['i-1'] }),
    'provisioning/remove-dns-records': fake({ removed: [] }),
    'provisioning/delete-email-identity': fake({ deleted: true }),
    'messaging/release-messaging-channels': fake({ released: true }),
    'lifecycle/mark-customer-cancelled': fake({ status: 'cancelled', notify: true }),
  };
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(workflowId: string, input: object): Promise<ExecutionRecord> {
  const engine = new StepFunctionsEngine({
    workflows: [SUSPEND_CUSTOMER, RESUME_CUSTOMER, DEPROVISION_CUSTOMER],
    dataDir,
    statemachinesDir: dataDir,
    loadHandler: async (handlerPath) => {
      const handler = fakes[handlerPath];
      if (!handler) throw new Error(`no fake for ${handlerPath}`);
      return handler as unknown as LambdaHandler;
    },
    timeScale: () => 0,
  });
  const started = engine.start({ stateMachineArn: stateMachineArn(workflowId), name: 'exec-1', input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

const calledWith = (handlerPath: string) => fakes[handlerPath].mock.calls.map(([input]) => input);

describe('SuspendCustomer', () => {
  const input = { customerId: 'cust-1', reason: 'unpaid' };

  it('stops, waits until stopped, marks the account suspended and emails the customer', async () => {
    const execution = await run('SuspendCustomer', input);

    expect(execution.status).toBe('SUCCEEDED');
    expect(calledWith('lifecycle/stop-instance')[0]).toMatchObject({ customerId: 'cust-1', executionName: 'exec-1', reason: 'unpaid', executionStartTime: expect.any(String) });
    expect(calledWith('lifecycle/check-instance-stopped')).toHaveLength(2);
    // Parked only once the instance stopped, before the account says suspended.
    expect(calledWith('lifecycle/park-subdomain')).toEqual([{ customerId: 'cust-1', executionName: 'exec-1', stepName: 'Park subdomain', workflowId: 'SuspendCustomer' }]);
    expect(calledWith('lifecycle/mark-customer-suspended')[0]).toMatchObject({ reason: 'unpaid' });
    expect(calledWith('lifecycle/send-lifecycle-email')).toEqual([{ customerId: 'cust-1', executionName: 'exec-1', stepName: 'Send suspension email', workflowId: 'SuspendCustomer', kind: 'suspended', reason: 'unpaid' }]);
  });

  it('still succeeds when the email cannot be sent, logging it as not sent', async () => {
    fakes['lifecycle/send-lifecycle-email'].mockImplementation(async (event) => {
      if (event.giveUp) return { sent: false };
      throw named('MessageRejected');
    });

    const execution = await run('SuspendCustomer', input);

    expect(execution.status).toBe('SUCCEEDED');
    expect(calledWith('lifecycle/send-lifecycle-email').at(-1)).toMatchObject({ giveUp: true, error: { Error: 'MessageRejected' } });
    expect(fakes['lifecycle/record-lifecycle-failure']).not.toHaveBeenCalled();
  });

  it('leaves a cancelled customer alone without an email', async () => {
    fakes['lifecycle/mark-customer-suspended'].mockResolvedValue({ status: 'cancelled', notify: false });
    const execution = await run('SuspendCustomer', input);
    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes['lifecycle/send-lifecycle-email']).not.toHaveBeenCalled();
  });

  it('retries a throttled step, then carries on', async () => {
    fakes['lifecycle/stop-instance'].mockRejectedValueOnce(named('TransientError', 'RequestLimitExceeded'));
    const execution = await run('SuspendCustomer', input);
    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes['lifecycle/stop-instance']).toHaveBeenCalledTimes(2);
  });

  it('records and counts a failure, and ends in "Suspension failed" with the reason', async () => {
    fakes['lifecycle/check-instance-stopped'].mockRejectedValue(named('InstanceLostError'));

    const execution = await run('SuspendCustomer', input);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'SuspendFailed', cause: 'InstanceLostError: it broke' });
    expect(calledWith('lifecycle/record-lifecycle-failure')[0]).toMatchObject({ workflow: 'SuspendCustomer', error: { Error: 'InstanceLostError' } });
    expect(fakes['lifecycle/mark-customer-suspended']).not.toHaveBeenCalled();
  });

  it('ends as superseded, recording no failure, when a later workflow owns the account', async () => {
    fakes['lifecycle/mark-customer-suspended'].mockRejectedValue(named('StaleExecutionError'));
    const execution = await run('SuspendCustomer', input);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'LifecycleSuperseded' });
    expect(fakes['lifecycle/record-lifecycle-failure']).not.toHaveBeenCalled();
  });

  it('ends as "Customer no longer exists" for an unknown customer', async () => {
    fakes['lifecycle/stop-instance'].mockRejectedValue(named('CustomerNotFoundError'));
    await expect(run('SuspendCustomer', input)).resolves.toMatchObject({ status: 'FAILED', error: 'CustomerNotFound' });
  });
});

describe('ResumeCustomer', () => {
  it('starts the instance, points the subdomain at its new IP, waits for DNS, marks the account active and emails', async () => {
    const execution = await run('ResumeCustomer', { customerId: 'cust-1' });

    expect(execution.status).toBe('SUCCEEDED');
    expect(calledWith('provisioning/point-subdomain')).toEqual([{ customerId: 'cust-1', executionName: 'exec-1', subdomain: 'acme.x', publicIp: '203.0.113.9', stepName: 'Point subdomain at instance', workflowId: 'ResumeCustomer' }]);
    expect(calledWith('provisioning/check-dns-change')).toHaveLength(2);
    expect(calledWith('lifecycle/mark-customer-active')[0]).toMatchObject({ instanceId: 'i-1', publicIp: '203.0.113.9', subdomain: 'acme.x' });
    expect(calledWith('lifecycle/send-lifecycle-email')[0]).toMatchObject({ kind: 'resumed' });
  });

  it('points the subdomain at the instance even when it kept its address (suspend parked the record)', async () => {
    fakes['lifecycle/start-instance'].mockResolvedValue({ instanceId: 'i-1', previousIp: '203.0.113.9', subdomain: 'acme.x' });
    const execution = await run('ResumeCustomer', { customerId: 'cust-1' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calledWith('provisioning/point-subdomain')[0]).toMatchObject({ publicIp: '203.0.113.9' });
  });

  it('retries a capacity shortage on start, then carries on', async () => {
    fakes['lifecycle/start-instance'].mockRejectedValueOnce(named('InsufficientInstanceCapacity'));
    await expect(run('ResumeCustomer', { customerId: 'cust-1' })).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it('records a DNS failure and ends in "Resume failed" without marking the account active', async () => {
    fakes['provisioning/check-dns-change'].mockRejectedValue(named('NoSuchChange'));
    const execution = await run('ResumeCustomer', { customerId: 'cust-1' });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ResumeFailed' });
    expect(fakes['lifecycle/mark-customer-active']).not.toHaveBeenCalled();
  });
});

describe('DeprovisionCustomer', () => {
  const input = { customerId: 'cust-1', retentionSeconds: 0 };

  it('backs up, then removes the instance, DNS and email identity, marks the account cancelled and emails', async () => {
    const execution = await run('DeprovisionCustomer', input);

    expect(execution.status).toBe('SUCCEEDED');
    expect(calledWith('lifecycle/check-snapshot')).toEqual([{ customerId: 'cust-1', executionName: 'exec-1', snapshotId: 'snap-1', stepName: 'Check snapshot', workflowId: 'DeprovisionCustomer' }]);
    expect(calledWith('provisioning/remove-dns-records')[0]).toMatchObject({ subdomain: 'acme.x' });
    expect(calledWith('provisioning/delete-email-identity')[0]).toMatchObject({ subdomain: 'acme.x' });
    // The messaging channels go after the server (nothing can send from it any more), before the account is marked cancelled.
    expect(calledWith('messaging/release-messaging-channels')).toEqual([expect.objectContaining({ customerId: 'cust-1', reason: 'deprovision' })]);
    expect(fakes['messaging/release-messaging-channels'].mock.invocationCallOrder[0]).toBeGreaterThan(fakes['provisioning/terminate-instances'].mock.invocationCallOrder[0]!);
    expect(fakes['messaging/release-messaging-channels'].mock.invocationCallOrder[0]).toBeLessThan(fakes['lifecycle/mark-customer-cancelled'].mock.invocationCallOrder[0]!);
    expect(calledWith('lifecycle/mark-customer-cancelled')[0]).toMatchObject({ snapshotId: 'snap-1' });
    expect(calledWith('lifecycle/send-lifecycle-email')[0]).toMatchObject({ kind: 'cancelled' });
  });

  it('keeps a customer who paid again: nothing is backed up or removed', async () => {
    fakes['lifecycle/check-still-cancelled'].mockResolvedValue({ proceed: false, subdomain: 'acme.x', reason: 'the subscription is active' });
    const execution = await run('DeprovisionCustomer', input);
    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes['lifecycle/snapshot-data-volume']).not.toHaveBeenCalled();
    expect(fakes['provisioning/terminate-instances']).not.toHaveBeenCalled();
    expect(fakes['messaging/release-messaging-channels']).not.toHaveBeenCalled();
  });

  it('deletes nothing when the snapshot fails', async () => {
    fakes['lifecycle/check-snapshot'].mockRejectedValue(named('SnapshotFailedError'));
    const execution = await run('DeprovisionCustomer', input);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'DeprovisionFailed' });
    expect(fakes['provisioning/terminate-instances']).not.toHaveBeenCalled();
    expect(fakes['lifecycle/mark-customer-cancelled']).not.toHaveBeenCalled();
  });

  it('skips the snapshot wait when there was nothing to back up', async () => {
    fakes['lifecycle/snapshot-data-volume'].mockResolvedValue({ snapshotId: null, done: true });
    const execution = await run('DeprovisionCustomer', input);
    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes['lifecycle/check-snapshot']).not.toHaveBeenCalled();
    expect(calledWith('lifecycle/mark-customer-cancelled')[0]).toMatchObject({ snapshotId: null });
  });

  it.each([[{ customerId: 'cust-1' }], [{ customerId: 'cust-1', retentionSeconds: 'soon' }], [{ customerId: 'cust-1', retentionSeconds: -1 }]])(
    'refuses %j before reading anything',
    async (bad) => {
      await expect(run('DeprovisionCustomer', bad)).resolves.toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
      expect(fakes['lifecycle/check-still-cancelled']).not.toHaveBeenCalled();
    },
  );
});
