import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import { FLEET_UPDATE } from '../../../statemachines/workflows';

/**
 * The FleetUpdate ASL run by the local engine (the same file CDK deploys) with fake steps that model a
 * small fleet: the error budget gate and the counters live in the fakes the way the real steps keep them
 * in the table (their own tests cover that), so this covers the Map's waves, the budget stopping the
 * wave, and each customer's rollback path. Retry intervals are zero.
 */
type Input = Record<string, unknown>;
let dataDir: string;
let fleet: {
  customers: string[];
  /** Customers whose update fails its health check; value: whether the rollback fails too. */
  unhealthy: Map<string, boolean>;
  /** Customers whose update cannot start (agent offline). */
  unreachable: Set<string>;
  failed: number;
  maxFailures: number;
  inFlight: number;
  maxInFlight: number;
  /** Customers a command was sent to, in order (forward updates only). */
  touched: string[];
  /** Customers that reached Start customer update (the budget gate). */
  gated: string[];
  rollbacks: Input[];
  finished: Input[];
  fleetFinish: Input[];
};

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}
/** Lets other Map iterations run, as a real command would take time. */
const yieldTurns = async (turns: number) => {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

const steps: Record<string, (input: Input) => Promise<unknown>> = {
  'fleet/select-fleet-targets': async () => ({ customerIds: fleet.customers, total: fleet.customers.length }),
  'fleet/start-customer-update': async (input) => {
    const customerId = input.customerId as string;
    fleet.gated.push(customerId);
    if (fleet.failed > fleet.maxFailures) return { outcome: 'skipped', reason: 'Error budget spent' };
    if (fleet.unreachable.has(customerId)) throw named('UpdateNotStartedError', 'agent not online');
    fleet.touched.push(customerId);
    fleet.inFlight += 1;
    fleet.maxInFlight = Math.max(fleet.maxInFlight, fleet.inFlight);
    return { outcome: 'started', instanceId: `i-${customerId}`, commandId: `cmd-${customerId}`, fromVersion: '2026.11.0', startedAt: 'now' };
  },
  'fleet/check-app-update': async (input) => {
    const commandId = input.commandId as string;
    const customerId = commandId.replace(/^(cmd|rb)-/, '');
    await yieldTurns(5);
    if (commandId.startsWith('cmd-') && fleet.unhealthy.has(customerId)) throw named('AppsUnhealthyError', 'Health check failed: crm:80 did not answer');
    if (commandId.startsWith('rb-') && fleet.unhealthy.get(customerId)) throw named('AppCommandFailedError', `Command ${commandId} ended Failed`);
    return { commandId };
  },
  'fleet/roll-back-customer-update': async (input) => {
    fleet.rollbacks.push(input);
    return { commandId: `rb-${input.customerId as string}` };
  },
  'fleet/finish-customer-update': async (input) => {
    fleet.finished.push(input);
    if (fleet.touched.includes(input.customerId as string)) fleet.inFlight -= 1;
    if (input.result === 'failed') fleet.failed += 1;
    return { result: input.result };
  },
  'fleet/finish-fleet-update': async (input) => {
    fleet.fleetFinish.push(input);
    return { status: input.error ? 'failed' : fleet.failed > fleet.maxFailures ? 'stopped' : 'completed' };
  },
};

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-fleet-'));
  fleet = { customers: [], unhealthy: new Map(), unreachable: new Set(), failed: 0, maxFailures: 0, inFlight: 0, maxInFlight: 0, touched: [], gated: [], rollbacks: [], finished: [], fleetFinish: [] };
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(customers: number, maxConcurrent: number, maxFailures: number): Promise<ExecutionRecord> {
  fleet.customers = Array.from({ length: customers }, (_, i) => `c${i + 1}`);
  fleet.maxFailures = maxFailures;
  const engine = new StepFunctionsEngine({
    workflows: [FLEET_UPDATE],
    dataDir,
    loadHandler: async (handlerPath) => {
      const step = steps[handlerPath];
      if (!step) throw new Error(`no fake for ${handlerPath}`);
      return step as unknown as LambdaHandler;
    },
    timeScale: () => 0,
  });
  const input = { updateId: 'fu-0123456789abcdef01234567', version: '2026.12.0', maxConcurrent, maxFailures };
  const started = engine.start({ stateMachineArn: stateMachineArn(FLEET_UPDATE.id), name: 'fleet-test', input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

const resultOf = (customerId: string) => fleet.finished.find((input) => input.customerId === customerId);

describe('FleetUpdate state machine', () => {
  it('updates every customer in waves of at most maxConcurrent, then finishes completed', async () => {
    const execution = await run(7, 3, 0);

    expect(execution.status).toBe('SUCCEEDED');
    expect(fleet.maxInFlight).toBe(3);
    expect(fleet.finished.map((input) => input.result)).toEqual(Array(7).fill('updated'));
    expect(fleet.rollbacks).toEqual([]);
    // Each step gets the customer, the update and its execution from the Map's ItemSelector.
    expect(resultOf('c4')).toMatchObject({ customerId: 'c4', updateId: 'fu-0123456789abcdef01234567', version: '2026.12.0', executionName: 'fleet-test', stepName: 'Customer updated' });
    expect(fleet.fleetFinish).toEqual([expect.not.objectContaining({ error: expect.anything() })]);
  });

  it('with maxConcurrent 1 runs one customer at a time', async () => {
    await run(4, 1, 0);
    expect(fleet.maxInFlight).toBe(1);
    expect(fleet.touched).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('rolls back a customer whose apps fail the health check, and goes on within the error budget', async () => {
    fleet.unhealthy.set('c2', false);
    const execution = await run(4, 1, 1);

    expect(execution.status).toBe('SUCCEEDED');
    expect(fleet.rollbacks).toEqual([
      expect.objectContaining({ customerId: 'c2', instanceId: 'i-c2', fromVersion: '2026.11.0', error: expect.objectContaining({ Error: 'AppsUnhealthyError' }), stepName: 'Roll back customer' }),
    ]);
    expect(resultOf('c2')).toMatchObject({ result: 'failed', rolledBack: true, error: expect.objectContaining({ Error: 'AppsUnhealthyError' }), stepName: 'Customer rolled back' });
    expect(['c1', 'c3', 'c4'].map((id) => resultOf(id)?.result)).toEqual(['updated', 'updated', 'updated']);
  });

  it('once more than maxFailures failed, skips every customer not started yet and fails the execution (the alarm)', async () => {
    fleet.unhealthy.set('c2', false);
    fleet.unhealthy.set('c3', false);
    const execution = await run(8, 1, 1);

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ErrorBudgetSpent');
    // c1 updated, c2 and c3 failed and were rolled back; nobody after c3 was touched.
    expect(fleet.touched).toEqual(['c1', 'c2', 'c3']);
    expect(fleet.rollbacks.map((input) => input.customerId)).toEqual(['c2', 'c3']);
    expect(fleet.finished.map((input) => input.customerId)).toEqual(['c1', 'c2', 'c3']);
    expect(fleet.fleetFinish).toHaveLength(1);
  });

  it('at concurrency K, only the customers already in flight when the budget ran out finish; none starts after', async () => {
    for (const id of ['c1', 'c2']) fleet.unhealthy.set(id, false);
    const execution = await run(12, 3, 0);

    expect(execution.status).toBe('FAILED');
    // Every customer reached the gate; those skipped there end without a check, rollback or result step.
    expect(fleet.gated).toHaveLength(12);
    expect(fleet.touched.length).toBeLessThan(12);
    expect(fleet.finished.map((input) => input.customerId).sort()).toEqual([...fleet.touched].sort());
    // Only the wave in flight when c1 or c2 failed was still running: at most K more were touched.
    expect(fleet.touched.length).toBeLessThanOrEqual(2 + 3);
  });

  it('records both reasons when the rollback fails too', async () => {
    fleet.unhealthy.set('c1', true);
    await run(1, 1, 5);

    expect(resultOf('c1')).toMatchObject({
      result: 'failed',
      rolledBack: false,
      error: expect.objectContaining({ Error: 'AppsUnhealthyError' }),
      rollbackError: expect.objectContaining({ Error: 'AppCommandFailedError' }),
      stepName: 'Rollback failed',
    });
  });

  it('a customer whose update cannot start is failed without a rollback (nothing changed there)', async () => {
    fleet.unreachable.add('c1');
    await run(2, 2, 5);

    expect(fleet.rollbacks).toEqual([]);
    expect(resultOf('c1')).toMatchObject({ result: 'failed', error: expect.objectContaining({ Error: 'UpdateNotStartedError' }), stepName: 'Customer not updated' });
    expect(resultOf('c2')).toMatchObject({ result: 'updated' });
  });
});
