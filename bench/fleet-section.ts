import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LambdaHandler } from '../local/handler-loader';
import { MODEL_SECONDS } from '../local/sandbox/clock';
import { StepFunctionsEngine, stateMachineArn } from '../local/step-functions/engine';
import type { ExecutionRecord } from '../local/step-functions/execution-store';
import { loadDefinition } from '../statemachines/definition-loader';
import { FLEET_UPDATE } from '../statemachines/workflows';
import { loadPriceSheet, priceOf } from './prices';
import { printTable } from './table';

/**
 * Section 10, the fleet update: the FleetUpdate ASL (the file CDK deploys) run by the local Step Functions
 * engine over N modelled customers at MaxConcurrency K. Each customer's deploy command takes the sandbox's
 * Run Command time (local/sandbox/clock.ts: pending + duration, in model seconds) and is polled at the
 * ASL's own retry interval; the steps are in-memory models of the real ones (the budget gate, the counters,
 * the rollback), not Lambda, DynamoDB or the sandbox, so this measures the workflow's shape: its wall
 * time against the floor ceil(N/K) x one update, and its state transitions. A second run fails customers
 * early to count those touched after the error budget ran out (must be 0).
 */
export interface FleetBenchOptions {
  readonly customers: number;
  readonly concurrency: number;
  /** Real seconds per model second. */
  readonly scale: number;
}

interface FleetRun {
  readonly execution: ExecutionRecord;
  readonly wallModelSeconds: number;
  readonly touched: number;
  readonly touchedAfterBudget: number;
  readonly failed: number;
  readonly skipped: number;
  readonly updated: number;
}

export interface FleetBenchResult {
  readonly options: FleetBenchOptions;
  readonly oneUpdateModelSeconds: number;
  readonly clean: FleetRun;
  readonly budget: FleetRun & { readonly maxFailures: number; readonly failing: number };
  readonly transitionsPerCustomer: number;
  readonly usdPerCustomer: number;
  /** Per customer by the ASL's shape at its poll interval: Start, Choice, Check (+1 per poll retry), Customer updated. */
  readonly modelTransitionsPerCustomer: number;
}

/** The poll interval of "Check update" in the ASL, in seconds. */
function pollSeconds(): number {
  const processor = (loadDefinition(FLEET_UPDATE).States['Update customers in waves']!.ItemProcessor as { States: Record<string, { Retry?: { ErrorEquals: string[]; IntervalSeconds?: number }[] }> }).States;
  return processor['Check update']!.Retry!.find((retrier) => retrier.ErrorEquals.includes('NotReadyError'))!.IntervalSeconds!;
}

/** Billed state transitions: every state entered, plus every Task retry (a retry is a transition). */
export function countTransitions(record: ExecutionRecord): number {
  let entered = 0;
  let scheduled = 0;
  let tasksEntered = 0;
  for (const event of record.history) {
    if (event.type.endsWith('StateEntered')) entered += 1;
    if (event.type === 'TaskStateEntered') tasksEntered += 1;
    if (event.type === 'TaskScheduled' || event.type === 'LambdaFunctionScheduled') scheduled += 1;
  }
  return entered + Math.max(0, scheduled - tasksEntered);
}

async function runFleet(options: FleetBenchOptions, maxFailures: number, unhealthy: ReadonlySet<string>): Promise<FleetRun> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-bench-fleet-'));
  const commandMs = (MODEL_SECONDS.ssmCommandPending + MODEL_SECONDS.ssmCommandDuration) * 1000 * options.scale;
  const customers = Array.from({ length: options.customers }, (_, i) => `c${i + 1}`);
  const doneAt = new Map<string, number>();
  let failed = 0;
  let failing = 0;
  let updated = 0;
  let skipped = 0;
  let budgetSpentAt: number | undefined;
  let touched = 0;
  let touchedAfterBudget = 0;
  const steps: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    'fleet/select-fleet-targets': async () => ({ customerIds: customers, total: customers.length }),
    'fleet/start-customer-update': async ({ customerId }) => {
      if (Math.max(failing, failed) > maxFailures) {
        skipped += 1;
        return { outcome: 'skipped', reason: 'Error budget spent' };
      }
      touched += 1;
      if (budgetSpentAt !== undefined) touchedAfterBudget += 1;
      doneAt.set(`cmd-${customerId as string}`, performance.now() + commandMs);
      return { outcome: 'started', instanceId: `i-${customerId as string}`, commandId: `cmd-${customerId as string}`, fromVersion: 'a', startedAt: 'now' };
    },
    'fleet/check-app-update': async ({ commandId }) => {
      const id = commandId as string;
      if (performance.now() < (doneAt.get(id) ?? 0)) throw Object.assign(new Error('still InProgress'), { name: 'NotReadyError' });
      if (id.startsWith('cmd-') && unhealthy.has(id.slice(4))) throw Object.assign(new Error('Health check failed'), { name: 'AppsUnhealthyError' });
      return { commandId: id };
    },
    'fleet/roll-back-customer-update': async ({ customerId }) => {
      // Counted against the budget as the rollback starts (lambdas/repositories/fleet-updates.ts startRollback).
      failing += 1;
      if (failing > maxFailures && budgetSpentAt === undefined) budgetSpentAt = performance.now();
      doneAt.set(`rb-${customerId as string}`, performance.now() + commandMs);
      return { commandId: `rb-${customerId as string}` };
    },
    'fleet/finish-customer-update': async ({ result }) => {
      if (result === 'failed') {
        failed += 1;
        if (failed > maxFailures && budgetSpentAt === undefined) budgetSpentAt = performance.now();
      } else updated += 1;
      return { result };
    },
    'fleet/finish-fleet-update': async () => ({ status: Math.max(failing, failed) > maxFailures ? 'stopped' : 'completed' }),
  };
  const engine = new StepFunctionsEngine({
    workflows: [FLEET_UPDATE],
    dataDir,
    loadHandler: async (handlerPath) => steps[handlerPath] as unknown as LambdaHandler,
    timeScale: (seconds) => seconds * 1000 * options.scale,
  });
  try {
    const input = { updateId: 'fu-000000000000000000000000', version: 'b', maxConcurrent: options.concurrency, maxFailures };
    const started = performance.now();
    const { executionArn } = engine.start({ stateMachineArn: stateMachineArn(FLEET_UPDATE.id), name: `bench-${maxFailures}-${unhealthy.size}`, input: JSON.stringify(input) });
    const execution = (await engine.settled(executionArn)) as ExecutionRecord;
    const wallModelSeconds = (performance.now() - started) / 1000 / options.scale;
    return { execution, wallModelSeconds, touched, touchedAfterBudget, failed, skipped, updated };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchFleetUpdate(options: FleetBenchOptions): Promise<FleetBenchResult> {
  const clean = await runFleet(options, 0, new Set());
  // The budget run: E = 2, and the 3rd to 5th customers fail their health check, all in the first wave.
  const maxFailures = 2;
  const failing = new Set(['c3', 'c4', 'c5']);
  const budget = await runFleet(options, maxFailures, failing);
  const transitions = countTransitions(clean.execution);
  const transitionsPerCustomer = transitions / options.customers;
  const usdPerCustomer = transitionsPerCustomer * priceOf(loadPriceSheet(), 'stepFunctions.standardTransition');
  const oneUpdate = MODEL_SECONDS.ssmCommandPending + MODEL_SECONDS.ssmCommandDuration;
  return {
    modelTransitionsPerCustomer: 4 + Math.ceil(oneUpdate / pollSeconds()),
    options,
    oneUpdateModelSeconds: MODEL_SECONDS.ssmCommandPending + MODEL_SECONDS.ssmCommandDuration,
    clean,
    budget: { ...budget, maxFailures, failing: failing.size },
    transitionsPerCustomer,
    usdPerCustomer,
  };
}

export function printFleetReport(result: FleetBenchResult): { summary: Record<string, unknown>; failed: string[] } {
  const { options, clean, budget } = result;
  const waves = Math.ceil(options.customers / options.concurrency);
  const floor = waves * result.oneUpdateModelSeconds;
  printTable(
    `10. Fleet update: the FleetUpdate ASL on the local engine, ${options.customers} modelled customers at MaxConcurrency ${options.concurrency}, time scale ${options.scale} ` +
      `(one update = Run Command pending + duration = ${result.oneUpdateModelSeconds} model s, polled every 10 s by the ASL)`,
    [{ title: 'figure' }, { title: 'value', digits: 1 }],
    [
      ['wall time, all updated (model s)', clean.wallModelSeconds],
      [`floor ceil(${options.customers}/${options.concurrency}) x one update (model s)`, floor],
      [`  polled floor: ceil(${options.customers}/${options.concurrency}) x ${pollSeconds()} x ceil(${result.oneUpdateModelSeconds}/${pollSeconds()}) (model s)`, waves * pollSeconds() * Math.ceil(result.oneUpdateModelSeconds / pollSeconds())],
      ['wall / floor', clean.wallModelSeconds / floor],
      ['updated', clean.updated],
      ['state transitions per customer, measured (incl. poll retries; a loaded machine polls less often)', result.transitionsPerCustomer],
      [`state transitions per customer, ASL model (4 states + ceil(${result.oneUpdateModelSeconds}/${pollSeconds()}) poll retries)`, result.modelTransitionsPerCustomer],
      ['USD per customer, measured (transitions x USD 0.000025)', `${result.usdPerCustomer.toFixed(6)}`],
      ['USD per customer, ASL model', `${(result.modelTransitionsPerCustomer * 0.000025).toFixed(6)}`],
      [`budget run: E=${budget.maxFailures}, ${budget.failing} failing early -> failed`, budget.failed],
      ['budget run: updated (in flight when the budget ran out, or before)', budget.updated],
      ['budget run: skipped, never touched', budget.skipped],
      ['budget run: customers touched after the budget ran out (must be 0)', budget.touchedAfterBudget],
      ['budget run: execution ends', budget.execution.status],
    ],
  );
  const failed: string[] = [];
  if (clean.execution.status !== 'SUCCEEDED') failed.push(`the clean fleet update ended ${clean.execution.status}`);
  if (budget.touchedAfterBudget !== 0) failed.push(`${budget.touchedAfterBudget} customers were touched after the error budget ran out`);
  if (budget.execution.status !== 'FAILED') failed.push(`the over-budget fleet update ended ${budget.execution.status}, not FAILED (ErrorBudgetSpent)`);
  return {
    summary: {
      fleetUpdate: {
        customers: options.customers,
        concurrency: options.concurrency,
        scale: options.scale,
        wallModelSeconds: Number(clean.wallModelSeconds.toFixed(1)),
        floorModelSeconds: floor,
        transitionsPerCustomer: Number(result.transitionsPerCustomer.toFixed(2)),
        modelTransitionsPerCustomer: result.modelTransitionsPerCustomer,
        usdPerCustomer: Number(result.usdPerCustomer.toFixed(6)),
        touchedAfterBudget: budget.touchedAfterBudget,
        budgetRun: { failed: budget.failed, updated: budget.updated, skipped: budget.skipped, status: budget.execution.status },
      },
    },
    failed,
  };
}
