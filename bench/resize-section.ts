import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local/local-env';
import { MODEL_SECONDS } from '../local/sandbox/clock';
import { PLAN_NAMES, PLANS, type PlanName } from '../lambdas/core/plans';
import { loadDefinition } from '../statemachines/definition-loader';
import { RESIZE_CUSTOMER } from '../statemachines/workflows';
import type { Account } from './api-latency';
import { sleep } from './provisioning-common';
import { round } from './stats';
import { printTable } from './table';

/** Where downtime starts (the server is asked to stop) and where it ends (the apps answer again). */
const DOWN_FROM = 'Stop instance';
const UP_AT = 'Check apps answer';

interface PlanStatus {
  readonly plan?: PlanName;
  readonly pendingPlan?: PlanName;
  readonly planChangeFailure?: string;
  readonly workflow?: { readonly name?: string; readonly executionName?: string };
}

export interface ResizeRun {
  readonly customerId: string;
  readonly fromPlan: PlanName;
  readonly toPlan: PlanName;
  readonly executionName?: string;
  readonly executionStatus: string;
  /** Model seconds from "Stop instance" entered to "Check apps answer" succeeded (the history's timestamps). */
  readonly downtimeModelS?: number;
  /** Each state on the downtime path: model seconds from entered to exited (retries included). */
  readonly downtimeStates?: readonly { readonly name: string; readonly seconds: number; readonly attempts: number }[];
  /** Model seconds from the plan change request to the plan moved (status route). */
  readonly requestToPlanModelS?: number;
  readonly volumeGrown: boolean;
  readonly problem?: string;
}

export interface ResizeModel {
  /** Downtime with no polling delay: stop, boot, agent online, [file-system growth,] the apps check command. */
  readonly floor: number;
  readonly formula: string;
}

/** The downtime floor on the sandbox's model (local/sandbox/clock.ts): nothing measured. */
export function resizeModel(volumeGrown: boolean): ResizeModel {
  const m = MODEL_SECONDS;
  const command = m.ssmCommandPending + m.shellCommandDuration;
  const floor = m.instanceStop + m.instanceBoot + m.ssmAgentOnline + (volumeGrown ? command : 0) + command;
  const growth = volumeGrown ? ` + (ssmCommandPending + shellCommandDuration) for the file system` : '';
  return {
    floor,
    formula:
      `floor = instanceStop + instanceBoot + ssmAgentOnline${growth} + (ssmCommandPending + shellCommandDuration) for the apps check` +
      ` = ${m.instanceStop} + ${m.instanceBoot} + ${m.ssmAgentOnline}${volumeGrown ? ` + ${command}` : ''} + ${command} = ${floor} model s`,
  };
}

/** The poll interval of each wait on the downtime path: IntervalSeconds of its NotReadyError retrier. */
function pollIntervals(): string {
  const states = loadDefinition(RESIZE_CUSTOMER).States;
  return [DOWN_FROM, 'Start instance', UP_AT]
    .map((name) => {
      const retrier = states[name]?.Retry?.find((one) => one.ErrorEquals.includes('NotReadyError')) as { IntervalSeconds?: number } | undefined;
      return `${name} every ${retrier?.IntervalSeconds ?? '?'} s`;
    })
    .join(', ');
}

async function readPlanStatus(apiUrl: string, account: Account): Promise<PlanStatus> {
  const response = await fetch(`${apiUrl}/customers/${account.customerId}/status`, { headers: { authorization: `Bearer ${account.accessToken}` }, signal: AbortSignal.timeout(10_000) });
  return (await response.json().catch(() => ({}))) as PlanStatus;
}

async function historyOf(sfn: SFNClient, executionName: string): Promise<{ status: string; events: HistoryEvent[] }> {
  const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${RESIZE_CUSTOMER.id}:${executionName}`;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const result = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(result.events ?? []));
    nextToken = result.nextToken;
    if (!nextToken) break;
  }
  return { status: described.status ?? 'UNKNOWN', events };
}

const at = (event: HistoryEvent | undefined) => (event?.timestamp instanceof Date ? event.timestamp.getTime() : Number.NaN);

/**
 * One plan change of an active customer (the next plan up, or down from the top one) through the
 * customer's own route, followed to the end: Stripe's sandbox confirms it by webhook and ResizeCustomer
 * runs on the realistic model. Downtime is read from the execution history, so status polling adds nothing.
 */
export async function benchResize(apiUrl: string, sfn: SFNClient, account: Account, scale: number, deadlineMs: number): Promise<ResizeRun> {
  const before = await readPlanStatus(apiUrl, account);
  const fromPlan = before.plan ?? 'starter';
  const toPlan = fromPlan === 'enterprise' ? 'business' : PLAN_NAMES[PLAN_NAMES.indexOf(fromPlan) + 1]!;
  const volumeGrown = PLANS[toPlan].volumeGb > PLANS[fromPlan].volumeGb;
  const base = { customerId: account.customerId, fromPlan, toPlan, volumeGrown };
  const sentMs = Date.now();
  const response = await fetch(`${apiUrl}/billing/plan`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ plan: toPlan }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 202) return { ...base, executionStatus: '-', problem: `POST /billing/plan answered ${response.status}` };
  let last: PlanStatus = {};
  let movedMs: number | undefined;
  const deadline = sentMs + deadlineMs;
  while (Date.now() < deadline) {
    last = await readPlanStatus(apiUrl, account);
    if (!last.pendingPlan && (last.plan === toPlan || last.planChangeFailure)) {
      movedMs = Date.now();
      break;
    }
    await sleep(20);
  }
  const executionName = last.workflow?.name === RESIZE_CUSTOMER.id ? last.workflow.executionName : undefined;
  if (!executionName) return { ...base, executionStatus: '-', problem: `no resize seen (plan ${last.plan}, pending ${last.pendingPlan})` };
  let history = await historyOf(sfn, executionName);
  for (let i = 0; i < 50 && history.status === 'RUNNING'; i += 1) {
    await sleep(50);
    history = await historyOf(sfn, executionName);
  }
  const down = history.events.find((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === DOWN_FROM);
  const up = history.events.find((event) => event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === UP_AT);
  const toModel = (realMs: number) => realMs / 1000 / scale;
  const downtimeStates: { name: string; seconds: number; attempts: number }[] = [];
  if (down && up) {
    const window = history.events.filter((event) => at(event) >= at(down) && at(event) <= at(up));
    for (const entered of window.filter((event) => event.type?.endsWith('StateEntered'))) {
      const name = entered.stateEnteredEventDetails?.name ?? '?';
      const exited = window.find((event) => event.type?.endsWith('StateExited') && event.stateExitedEventDetails?.name === name && at(event) >= at(entered));
      if (!exited) continue;
      const attempts = 1 + window.filter((event) => event.type === 'TaskFailed' && at(event) >= at(entered) && at(event) <= at(exited)).length;
      downtimeStates.push({ name, seconds: toModel(at(exited) - at(entered)), attempts });
    }
  }
  const problem = last.plan !== toPlan ? `resize failed: ${last.planChangeFailure ?? 'plan unchanged'}` : history.status !== 'SUCCEEDED' ? `execution ${history.status}` : undefined;
  return {
    ...base,
    executionName,
    executionStatus: history.status,
    downtimeModelS: down && up ? toModel(at(up) - at(down)) : undefined,
    downtimeStates,
    requestToPlanModelS: movedMs === undefined ? undefined : toModel(movedMs - sentMs),
    ...(problem ? { problem } : {}),
  };
}

/** Prints the plan change's figures beside provisioning's; returns them for the JSON summary. */
export function printResizeReport(run: ResizeRun | undefined, scale: number): Record<string, unknown> {
  if (!run) return {};
  const model = resizeModel(run.volumeGrown);
  if (run.downtimeModelS === undefined) {
    console.log(`\n4b. Plan change ${run.fromPlan} -> ${run.toPlan}: not measured (${run.problem ?? 'no downtime in the history'}). Model floor ${model.floor} model s.`);
    return { resize: { fromPlan: run.fromPlan, toPlan: run.toPlan, problem: run.problem ?? 'not measured', floorModelS: model.floor } };
  }
  printTable(
    `4b. Plan change ${run.fromPlan} -> ${run.toPlan} (POST /billing/plan, Stripe's webhook, ResizeCustomer), realistic model at time scale ${scale}, one customer`,
    [{ title: 'figure (model seconds)' }, { title: 'value', digits: 1 }, { title: 'measured / floor', digits: 2 }],
    [
      [`downtime: "${DOWN_FROM}" entered -> "${UP_AT}" succeeded (history)`, run.downtimeModelS, run.downtimeModelS / model.floor],
      ['  model floor (no polling delay)', model.floor, 1],
      ['request -> status route shows the new plan', run.requestToPlanModelS ?? Number.NaN, ''],
    ],
  );
  console.log(`   - ${model.formula}; the waits poll at fixed intervals (${pollIntervals()}).`);
  console.log(`   - by state (model s, attempts): ${(run.downtimeStates ?? []).map((state) => `${state.name} ${round(state.seconds, 1)} (${state.attempts})`).join(', ')}.`);
  console.log(
    `   The volume ${run.volumeGrown ? `grows online before the stop (${PLANS[run.fromPlan].volumeGb} -> ${PLANS[run.toPlan].volumeGb} GiB), its file system after the start (inside the downtime)` : 'keeps its size (a downgrade keeps the larger volume)'}.` +
      ` Execution ${run.executionName}: ${run.executionStatus}.`,
  );
  if (run.problem) console.log(`!! resize ${run.customerId}: ${run.problem}`);
  return {
    resize: {
      fromPlan: run.fromPlan,
      toPlan: run.toPlan,
      downtimeModelS: round(run.downtimeModelS, 1),
      floorModelS: model.floor,
      measuredOverFloor: round(run.downtimeModelS / model.floor, 2),
      requestToPlanModelS: run.requestToPlanModelS === undefined ? undefined : round(run.requestToPlanModelS, 1),
    },
  };
}
