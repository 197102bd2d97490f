import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import { RESIZE_CUSTOMER } from '../../../statemachines/workflows';

/**
 * The resize ASL's control flow, run by the local engine with fake steps keyed by handler path: the order
 * of the steps, the not-ready retries that are its waits, and that any failure puts the previous type back
 * and ends recorded. Retry intervals are compressed to nothing.
 */
type Fake = jest.Mock<Promise<unknown>, [Record<string, unknown>]>;
let dataDir: string;
let fakes: Record<string, Fake>;
let order: string[];

const named = (name: string, message = name): Error => Object.assign(new Error(message), { name });

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-resize-'));
  copyFileSync(path.resolve(__dirname, '..', '..', '..', 'statemachines', RESIZE_CUSTOMER.file), path.join(dataDir, RESIZE_CUSTOMER.file));
  order = [];
  const step = (result: unknown): Fake =>
    jest.fn(async (input: Record<string, unknown>) => {
      order.push(input.stepName as string);
      return result;
    });
  fakes = {
    'resize/find-instance': step({ instanceId: 'i-1', previousType: 't3.small', volumeId: 'vol-1', subdomain: 'acme.x' }),
    'resize/snapshot-before-resize': step({ snapshotId: 'snap-1' }),
    'resize/grow-volume': step({ grown: true, sizeGb: 100 }),
    'resize/stop-instance': step({ instanceId: 'i-1' }),
    'resize/change-instance-type': step({ instanceType: 't3.medium' }),
    'resize/start-instance': step({ publicIp: '203.0.113.9' }),
    'provisioning/point-subdomain': step({ changeId: 'C1' }),
    'resize/grow-file-system': step({ commandId: 'cmd-1', done: true }),
    'resize/check-apps-answer': step({ commandId: 'cmd-2' }),
    'resize/put-back-previous-price': step({ restored: true }),
    'resize/complete-plan-change': step({ plan: 'enterprise' }),
    'resize/restore-previous-type': step({ publicIp: '203.0.113.10' }),
    'resize/record-resize-failure': step({ reason: 'it broke' }),
    'messaging/allocate-messaging-channels': step({ allocated: true, whatsapp: true }),
    'messaging/release-messaging-channels': step({ released: false }),
  };
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(extra: Record<string, unknown> = {}, name = 'resize-enterprise-cust-1-abc'): Promise<ExecutionRecord> {
  const engine = new StepFunctionsEngine({
    workflows: [RESIZE_CUSTOMER],
    dataDir,
    statemachinesDir: dataDir,
    loadHandler: async (handlerPath) => {
      const handler = fakes[handlerPath];
      if (!handler) throw new Error(`no fake for ${handlerPath}`);
      return handler as unknown as LambdaHandler;
    },
    timeScale: () => 0,
  });
  const input = { customerId: 'cust-1', changeId: 'abc', fromPlan: 'business', toPlan: 'enterprise', ...extra };
  const started = engine.start({ stateMachineArn: stateMachineArn(RESIZE_CUSTOMER.id), name, input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

const calledWith = (handlerPath: string) => fakes[handlerPath].mock.calls.map(([input]) => input);
const failWith = (handlerPath: string, error: Error) => fakes[handlerPath].mockImplementation(async () => Promise.reject(error));

describe('ResizeCustomer', () => {
  it('snapshots, grows the volume, stops, changes the type, starts, points DNS, grows the file system, checks the apps answer, then completes', async () => {
    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(order).toEqual([
      'Find instance',
      'Snapshot data volume',
      'Grow data volume',
      'Stop instance',
      'Change instance type',
      'Start instance',
      'Point subdomain at instance',
      'Grow file system',
      'Check file system grown',
      'Check apps answer',
      'Complete plan change',
      'Allocate messaging channels',
      'Release messaging channels',
    ]);
    // On the new plan: the allocation (its ClientToken per change) and the release each decide by that plan.
    expect(calledWith('messaging/allocate-messaging-channels')[0]).toMatchObject({ customerId: 'cust-1', changeId: 'abc' });
    expect(calledWith('messaging/release-messaging-channels')[0]).toMatchObject({ customerId: 'cust-1', reason: 'plan' });
    expect(calledWith('resize/check-apps-answer')[0]).toMatchObject({ instanceId: 'i-1', subdomain: 'acme.x' });
    expect(fakes['resize/put-back-previous-price']).not.toHaveBeenCalled();
    expect(calledWith('resize/change-instance-type')[0]).toMatchObject({ instanceId: 'i-1', toPlan: 'enterprise', changeId: 'abc', workflowId: 'ResizeCustomer' });
    expect(calledWith('provisioning/point-subdomain')[0]).toMatchObject({ subdomain: 'acme.x', publicIp: '203.0.113.9' });
    expect(calledWith('resize/grow-file-system')[1]).toMatchObject({ commandId: 'cmd-1' });
    expect(fakes['resize/restore-previous-type']).not.toHaveBeenCalled();
  });

  it('keeps the plan change when the messaging channels cannot follow it: a failed execution of its own for operators, nothing put back', async () => {
    failWith('messaging/release-messaging-channels', named('AccessDeniedException'));

    const execution = await run({ toPlan: 'starter', fromPlan: 'business' });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MessagingChannelsNotUpdated');
    expect(fakes['resize/complete-plan-change']).toHaveBeenCalledTimes(1);
    expect(fakes['resize/restore-previous-type']).not.toHaveBeenCalled();
    expect(fakes['resize/put-back-previous-price']).not.toHaveBeenCalled();
  });

  it('skips the file system when the volume kept its size (a downgrade keeps the larger volume)', async () => {
    fakes['resize/grow-volume'].mockResolvedValue({ grown: false, sizeGb: 50 });
    expect((await run()).status).toBe('SUCCEEDED');
    expect(fakes['resize/grow-file-system']).not.toHaveBeenCalled();
    expect(fakes['resize/check-apps-answer']).toHaveBeenCalled();
  });

  it('waits by retrying NotReadyError, the one not-ready name every workflow uses, then carries on', async () => {
    fakes['resize/stop-instance'].mockRejectedValueOnce(named('NotReadyError')).mockRejectedValueOnce(named('NotReadyError'));
    fakes['resize/start-instance'].mockRejectedValueOnce(named('NotReadyError'));
    fakes['resize/grow-volume'].mockRejectedValueOnce(named('NotReadyError'));
    fakes['resize/check-apps-answer'].mockRejectedValueOnce(named('NotReadyError')).mockRejectedValueOnce(named('NotReadyError'));
    expect((await run()).status).toBe('SUCCEEDED');
    expect(fakes['resize/stop-instance']).toHaveBeenCalledTimes(3);
    expect(fakes['resize/start-instance']).toHaveBeenCalledTimes(2);
    expect(fakes['resize/check-apps-answer']).toHaveBeenCalledTimes(3);
  });

  it('puts the previous type and price back when the apps do not answer after the start', async () => {
    failWith('resize/check-apps-answer', named('AppsNotAnsweringError'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(order.slice(-4)).toEqual(['Put back previous type', 'Point subdomain at restored instance', 'Put back previous price', 'Record resize failure']);
    expect(calledWith('resize/record-resize-failure')[0]).toMatchObject({ error: { Error: 'AppsNotAnsweringError' }, price: { restored: true } });
    expect(fakes['resize/complete-plan-change']).not.toHaveBeenCalled();
  });

  it('a rerun with `error` set (a stopped resize) only puts the type and price back and records the stop', async () => {
    const stopped = { Error: 'ResizeStoppedError', Cause: 'Changing the plan was stopped before it finished.' };

    const execution = await run({ error: stopped }, 'resize-enterprise-cust-1-abc-rerun');

    expect(execution.status).toBe('FAILED');
    expect(order).toEqual(['Find instance', 'Put back previous type', 'Point subdomain at restored instance', 'Put back previous price', 'Record resize failure']);
    expect(calledWith('resize/record-resize-failure')[0]).toMatchObject({ error: stopped });
    expect(fakes['resize/stop-instance']).not.toHaveBeenCalled();
  });

  it('records the failure, saying so, when the price cannot be put back', async () => {
    failWith('resize/start-instance', named('InsufficientInstanceCapacity'));
    failWith('resize/put-back-previous-price', named('StripeInvalidRequestError'));
    expect((await run()).status).toBe('FAILED');
    expect(calledWith('resize/record-resize-failure')[0]).toMatchObject({ error: { Error: 'InsufficientInstanceCapacity' }, price: { Error: 'StripeInvalidRequestError' } });
  });

  it('puts the previous type back, points DNS at it and records why when a step fails', async () => {
    failWith('resize/start-instance', named('InsufficientInstanceCapacity'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ResizeFailed');
    expect(calledWith('resize/restore-previous-type')[0]).toMatchObject({ instanceId: 'i-1', previousType: 't3.small' });
    expect(calledWith('provisioning/point-subdomain').at(-1)).toMatchObject({ publicIp: '203.0.113.10' });
    expect(calledWith('resize/put-back-previous-price')[0]).toMatchObject({ changeId: 'abc', fromPlan: 'business' });
    expect(calledWith('resize/record-resize-failure')[0]).toMatchObject({ changeId: 'abc', error: { Error: 'InsufficientInstanceCapacity' } });
    expect(fakes['resize/complete-plan-change']).not.toHaveBeenCalled();
  });

  it('records the original failure even when putting the type back fails too', async () => {
    failWith('resize/change-instance-type', named('IncorrectInstanceState'));
    failWith('resize/restore-previous-type', named('UnauthorizedOperation'));
    expect((await run()).status).toBe('FAILED');
    expect(calledWith('resize/record-resize-failure')[0]).toMatchObject({ error: { Error: 'IncorrectInstanceState' } });
  });

  it('does nothing for a change that is no longer pending', async () => {
    failWith('resize/find-instance', named('PlanChangeMismatchError'));
    expect((await run()).status).toBe('SUCCEEDED');
    expect(order).toEqual([]);
    expect(fakes['resize/stop-instance']).not.toHaveBeenCalled();
  });

  it('records a failure before anything changed without touching the instance, and puts the price back', async () => {
    failWith('resize/snapshot-before-resize', named('SnapshotFailedError'));
    expect((await run()).status).toBe('FAILED');
    expect(fakes['resize/stop-instance']).not.toHaveBeenCalled();
    expect(fakes['resize/restore-previous-type']).not.toHaveBeenCalled();
    expect(fakes['resize/put-back-previous-price']).toHaveBeenCalled();
    expect(fakes['resize/record-resize-failure']).toHaveBeenCalled();
  });
});
