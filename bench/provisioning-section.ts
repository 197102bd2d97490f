import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MODEL_SECONDS } from '../local/sandbox/clock';
import { type Account, signUp, signupBody, verifyEmail } from './api-latency';
import { nodeOptionsWithGuard, refusedHosts } from './guard';
import { type BenchStack, withLocalStack } from './local-stack';
import { PRICES, stepMemoryMb } from './prices';
import {
  type DynamoDbCountRow,
  executionFacts,
  type HistoryFigures,
  historyFigures,
  readDynamoDbCounts,
  readStatus,
  requestUnits,
  sfnClient,
  sleep,
  waitForExecutionEnd,
} from './provisioning-common';
import { emailSweepSeconds, type ModelBounds, modelBounds } from './provisioning-model';
import { EMAIL_CHECK_CONCURRENCY } from '../lambdas/services/verify-email-domains';
import { forEachState, loadDefinition } from '../statemachines/definition-loader';
import { PROVISION_CUSTOMER } from '../statemachines/workflows';
import { benchResize, printResizeReport, type ResizeRun } from './resize-section';
import { median, round } from './stats';
import { printTable } from './table';

const COUNTER = path.join(__dirname, 'dynamodb-counter.mjs');
/** Real time between status polls: at scale 0.02 that is 0.5 model s, the resolution of the measurement. */
const POLL_PAUSE_MS = 10;
/** What one extra Lambda invocation is assumed to bill in real AWS (SDK round trips to AWS APIs, warm). */
const ASSUMED_INVOCATION_MS = 200;
/** The scheduled jobs' functions use StackProFunction's default memory (lib/stackpro-function.ts). */
const SWEEP_MEMORY_MB = 256;

export interface ProvisioningOptions {
  /** Signups measured one at a time (after one unmeasured warm-up signup). */
  readonly signups: number;
  /** STACKPRO_SANDBOX_TIME_SCALE: real seconds per model second. */
  readonly scale: number;
}

interface SignupRun {
  readonly account: Account;
  readonly executionName?: string;
  readonly sentMs: number;
  readonly createdMs?: number;
  readonly activeMs?: number;
  readonly emailRunningMs?: number;
  readonly finalStatus: string;
  readonly executionStatus: string;
  readonly problem?: string;
}

/**
 * Signs up once, follows the verification link (provisioning starts there: the clock starts at that
 * request) and follows the status route until active and email running (or failed, or the deadline).
 */
async function signUpAndFollow(stack: BenchStack, tag: string, runTag: string, deadlineMs: number): Promise<SignupRun> {
  const accounts: Account[] = [];
  const body = signupBody(runTag, tag);
  const fail = (error: Error) => ({ ok: false, status: error.name, detail: error.message });
  const signedUp = await signUp(stack.apiUrl, body, accounts).catch(fail);
  const sentMs = Date.now();
  const outcome = signedUp.ok ? await verifyEmail(stack.apiUrl, stack.process.edgeUrl, body.email).catch(fail) : signedUp;
  const createdMs = Date.now();
  const account = accounts[0];
  if (!outcome.ok || !account) {
    const failed = { customerId: '-', accessToken: '' };
    return { account: failed, sentMs, finalStatus: `signup ${outcome.status}`, executionStatus: '-', problem: `signup failed: ${outcome.status} ${outcome.detail ?? ''}` };
  }
  let activeMs: number | undefined;
  let emailRunningMs: number | undefined;
  let last: Awaited<ReturnType<typeof readStatus>> = {};
  const deadline = sentMs + deadlineMs;
  while (Date.now() < deadline) {
    last = await readStatus(stack.apiUrl, account);
    const now = Date.now();
    if (last.status === 'active' && activeMs === undefined) activeMs = now;
    if (last.services?.email === 'running' && emailRunningMs === undefined) emailRunningMs = now;
    if ((activeMs !== undefined && emailRunningMs !== undefined) || last.status === 'failed') break;
    await sleep(POLL_PAUSE_MS);
  }
  const executionName = last.provisioning?.executionName;
  const problem =
    activeMs === undefined
      ? `not active: ${last.status}${last.failureReason ? ` (${last.failureReason})` : ''}`
      : emailRunningMs === undefined
        ? `email still ${last.services?.email}`
        : undefined;
  return { account, executionName, sentMs, createdMs, activeMs, emailRunningMs, finalStatus: last.status ?? '?', executionStatus: 'RUNNING', problem };
}

export interface ProvisioningResult {
  readonly scale: number;
  readonly clockProfile: string;
  readonly model: ModelBounds;
  readonly runs: readonly SignupRun[];
  readonly histories: readonly HistoryFigures[];
  readonly dynamoDb: readonly DynamoDbCountRow[];
  readonly refusedHosts: Record<string, number>;
  /** One measured customer's plan change after provisioning (section 4b); absent when none was active. */
  readonly resize?: ResizeRun;
}

/** Sections 4-5: one stack on the realistic model, compressed by `scale`; signups one at a time. */
export async function benchProvisioning(options: ProvisioningOptions): Promise<ProvisioningResult> {
  const model = modelBounds();
  const countsDir = mkdtempSync(path.join(tmpdir(), 'stackpro-bench-ddb-'));
  const countsFile = path.join(countsDir, 'counts.json');
  try {
    return await withLocalStack(
      async (stack) => {
        const clock = (await (await fetch(`${stack.process.edgeUrl}/_sandbox/clock`, { signal: AbortSignal.timeout(10_000) })).json()) as {
          profile: string;
          scale: number;
        };
        if (clock.profile !== 'realistic' || clock.scale !== options.scale) {
          throw new Error(`the stack runs ${clock.profile} at scale ${clock.scale}, not realistic at ${options.scale}`);
        }
        console.log(`\nSections 4-5: stack on the realistic model at time scale ${clock.scale} (1 model s = ${clock.scale * 1000} real ms)`);
        const runTag = `${Date.now().toString(36)}-${process.pid}`;
        // Deadline per signup: three times the model's bound to email running, plus 2 model minutes, plus 15 s of real slack.
        const deadlineMs = (3 * model.criticalEmail + 120) * clock.scale * 1000 + 15_000;
        const sfn = sfnClient(stack.process.edgeUrl);
        try {
          const follow = async (tag: string) => {
            const run = await signUpAndFollow(stack, tag, runTag, deadlineMs);
            const executionStatus = run.executionName
              ? await waitForExecutionEnd(sfn, run.executionName, Date.now() + deadlineMs, 20).catch((error: Error) => error.name)
              : '-';
            const problem = run.problem ?? (executionStatus === 'SUCCEEDED' ? undefined : `execution ${executionStatus}`);
            return { ...run, executionStatus, problem };
          };
          // One unmeasured signup first: the stack loads each handler module on its first invocation.
          const warmup = await follow('warmup');
          if (warmup.problem) console.log(`!! warm-up signup: ${warmup.problem}`);
          const runs: SignupRun[] = [];
          for (let i = 0; i < options.signups; i += 1) runs.push(await follow(`p${i}`));
          const histories: HistoryFigures[] = [];
          for (const run of runs) {
            if (!run.executionName || run.problem) continue;
            histories.push(historyFigures((await executionFacts(sfn, run.executionName)).events, retriedErrors()));
          }
          await sleep(200); // the counter writes its file 50 ms after a request
          const measured = new Set(runs.map((run) => run.account.customerId));
          const dynamoDb = readDynamoDbCounts(countsFile).filter((row) => measured.has(row.customer));
          // After the counts are read: the plan change's requests are not provisioning's.
          const active = runs.find((run) => !run.problem);
          const resize = active ? await benchResize(stack.apiUrl, sfn, active.account, clock.scale, deadlineMs) : undefined;
          return { scale: clock.scale, clockProfile: clock.profile, model, runs, histories, dynamoDb, refusedHosts: refusedHosts(stack.process.output()), resize };
        } finally {
          sfn.destroy();
        }
      },
      {
        STACKPRO_SANDBOX_PROFILE: 'realistic',
        STACKPRO_SANDBOX_TIME_SCALE: String(options.scale),
        BENCH_DDB_COUNTS_FILE: countsFile,
        NODE_OPTIONS: `${nodeOptionsWithGuard()} --import=${pathToFileURL(COUNTER).href}`,
      },
    );
  } finally {
    rmSync(countsDir, { recursive: true, force: true });
  }
}

const max = (values: readonly number[]) => (values.length ? Math.max(...values) : Number.NaN);

export interface ProvisioningSummary {
  readonly [key: string]: unknown;
}

/** Prints sections 4 and 5; returns their figures for the JSON summary. */
export function printProvisioningReport(result: ProvisioningResult): ProvisioningSummary {
  const { scale, model, runs, histories } = result;
  const toModel = (realMs: number) => realMs / 1000 / scale;
  const ok = runs.filter((run) => !run.problem);
  const active = ok.map((run) => toModel((run.activeMs as number) - run.sentMs));
  const email = ok.map((run) => toModel((run.emailRunningMs as number) - run.sentMs));
  const request = ok.map((run) => toModel((run.createdMs as number) - run.sentMs));
  const execToActivate = histories.map((h) => toModel((h.exitedAt('Activate customer') ?? Number.NaN) - h.startMs));
  const signupToExec = ok.map((run, i) => toModel((histories[i]?.startMs ?? Number.NaN) - run.sentMs));
  const activeP50 = median(active);

  if (ok.length === 0 || histories.length === 0) {
    console.log(`\n4-5. No signup of ${runs.length} reached active with email running on the realistic model (scale ${scale}): nothing measured.`);
    for (const run of runs) console.log(`!! signup ${run.account.customerId}: ${run.problem} (execution ${run.executionStatus})`);
    console.log(`   The model's bounds for comparison: critical path ${model.critical} model s (${model.criticalContinuous} without polling delay), naive ${model.naive} model s.`);
    return { provisioning: { scale, signups: runs.length, ok: 0, criticalPathModelS: model.critical, naiveModelS: model.naive } };
  }

  // ---- Section 4 ----
  printTable(
    `4. Signup to active (timed from the verification link, where provisioning starts), realistic model at time scale ${scale} (model s = real s / ${scale}), ${ok.length} of ${runs.length} signups one at a time, after 1 warm-up`,
    [{ title: 'figure (model seconds)' }, { title: 'p50', digits: 1 }, { title: 'max', digits: 1 }],
    [
      ['verification sent -> status route says active', activeP50, max(active)],
      ['verification sent -> email service running', median(email), max(email)],
      ['  of which: the verify-email request (200)', median(request), max(request)],
      ['  verification sent -> execution started (history)', median(signupToExec), max(signupToExec)],
      ['  execution started -> "Activate customer" exited (history)', median(execToActivate), max(execToActivate)],
    ],
  );
  printTable(
    '   Against the model (local/sandbox/clock.ts durations, poll intervals from the ASL)',
    [{ title: 'to active' }, { title: 'model s', digits: 1 }, { title: 'measured p50 / this', digits: 2 }],
    [
      ['measured p50', activeP50, 1],
      ['critical-path lower bound, with the ASL poll intervals', model.critical, activeP50 / model.critical],
      ['critical-path lower bound, no polling delay', model.criticalContinuous, activeP50 / model.criticalContinuous],
      ['naive order (all steps one after another, no overlap)', model.naive, activeP50 / model.naive],
    ],
  );
  console.log(
    `   measured/critical-path = ${round(activeP50 / model.critical, 2)}; naive/measured = ${round(model.naive / activeP50, 2)}.` +
      ` To email running: measured p50 ${round(median(email), 1)}, model bound (at most; the DKIM sweep's phase is random) ${model.criticalEmail}, naive ${model.naiveEmail} model s` +
      ' (activation writes the services, email included, just before the status, so a poll may see email running first).',
  );
  for (const formula of model.formulas) console.log(`   - ${formula}`);
  console.log(
    `   Real compute (argon2id hashing in the signup, each handler, each status poll) is not compressed: at scale ${scale} each real ms counts as ${round(1 / scale / 1000, 3)} model s,` +
      ` and the Tasks of one execution ran ${round(median(histories.map((h) => sumOf(h.taskDurations.map((t) => t.ms)))), 0)} real ms in all (p50) =` +
      ` ${round(toModel(median(histories.map((h) => sumOf(h.taskDurations.map((t) => t.ms))))), 1)} model s, against the execution's` +
      ` ${round(median(execToActivate) - model.critical, 1)} model s over the bound; status polled every ${POLL_PAUSE_MS} ms real (${round(toModel(POLL_PAUSE_MS), 2)} model s) plus the request.`,
  );
  for (const run of runs.filter((r) => r.problem)) console.log(`!! signup ${run.account.customerId}: ${run.problem} (execution ${run.executionStatus})`);
  const resizeSummary = printResizeReport(result.resize, scale);

  // ---- Section 5 ----
  const memory = stepMemoryMb();
  const perSignupDdb = ok.map((run) => requestUnits(result.dynamoDb.filter((row) => row.customer === run.account.customerId && isWorkflowStep(row.origin))));
  const signupDdb = ok.map((run) => requestUnits(result.dynamoDb.filter((row) => row.customer === run.account.customerId && row.origin === 'api/sign-up')));
  const transitions = median(histories.map((h) => h.transitions));
  const invocations = median(histories.map((h) => h.invocations));
  const worstTransitions = max(histories.map((h) => h.transitions));
  const worstInvocations = max(histories.map((h) => h.invocations));
  // Lambda time: each Task's measured in-process run, plus the RunInstances latency at model speed (the only
  // modelled latency inside a handler; the sandbox sleeps it compressed).
  const launches = (h: HistoryFigures) => h.taskDurations.filter((t) => t.name === 'Launch instance').length;
  const billedMs = (h: HistoryFigures) =>
    h.taskDurations.reduce((sum, t) => sum + Math.ceil(t.ms), 0) + launches(h) * MODEL_SECONDS.runInstancesLatency * (1 - scale) * 1000;
  const taskMs = histories.flatMap((h) => h.taskDurations.map((t) => t.ms));
  const lambdaMs = median(histories.map(billedMs));
  const gb = memory.mb / 1024;
  const wru = median(perSignupDdb.map((u) => u.wru));
  const rru = median(perSignupDdb.map((u) => u.rru));
  const cost = {
    stepFunctions: transitions * PRICES.stepFunctionsPerTransition,
    lambdaRequests: invocations * PRICES.lambdaPerRequest,
    lambdaCompute: (lambdaMs / 1000) * gb * PRICES.lambdaArmPerGbSecond,
    dynamoDb: wru * PRICES.dynamoDbPerWru + rru * PRICES.dynamoDbPerRru,
  };
  const total = cost.stepFunctions + cost.lambdaRequests + cost.lambdaCompute + cost.dynamoDb;
  // The costliest measured provisioning: each figure at its maximum over the runs (a bound: they need not be one run).
  const worstDdb = max(perSignupDdb.map((u) => u.wru * PRICES.dynamoDbPerWru + u.rru * PRICES.dynamoDbPerRru));
  const worst =
    worstTransitions * PRICES.stepFunctionsPerTransition +
    worstInvocations * PRICES.lambdaPerRequest +
    (max(histories.map(billedMs)) / 1000) * gb * PRICES.lambdaArmPerGbSecond +
    worstDdb;
  // At AWS speed (the model's timings, no local compute inflating them) checks are retried more often than here.
  const modelCost = model.transitions * PRICES.stepFunctionsPerTransition + model.invocations * PRICES.lambdaPerRequest + cost.lambdaCompute + cost.dynamoDb;
  const assumedCompute = invocations * (ASSUMED_INVOCATION_MS / 1000) * gb * PRICES.lambdaArmPerGbSecond;
  const signupWru = median(signupDdb.map((u) => u.wru));
  const signupRru = median(signupDdb.map((u) => u.rru));

  // Email verification is no longer in the execution: the scheduled DKIM sweep (VerifyEmailDomains) checks every
  // pending customer each run. Worst case for one signup: SES takes the full 72 h, so its marker is checked on
  // every run: each check costs its marker's share of the Query (at most 0.5 RRU) and one GetEmailIdentity
  // round trip of Lambda time, shared by the EMAIL_CHECK_CONCURRENCY calls in flight; at the end the update and
  // the marker's delete (1 WRU each). Its marker Put at activation is already among the steps' measured writes.
  // The sweep's own runs (1 request + one round trip each, found pending or not) are a fixed cost, not per signup.
  const sweepSeconds = emailSweepSeconds();
  const sweepRuns = Math.ceil((72 * 3600) / sweepSeconds);
  const sweepGb = SWEEP_MEMORY_MB / 1024;
  const perCheck = 0.5 * PRICES.dynamoDbPerRru + (ASSUMED_INVOCATION_MS / 1000 / EMAIL_CHECK_CONCURRENCY) * sweepGb * PRICES.lambdaArmPerGbSecond;
  const verificationWorst = sweepRuns * perCheck + 2 * PRICES.dynamoDbPerWru;
  const runsPerMonth = (30 * 24 * 3600) / sweepSeconds;
  const sweepFixedPerMonth =
    runsPerMonth * (PRICES.lambdaPerRequest + (ASSUMED_INVOCATION_MS / 1000) * sweepGb * PRICES.lambdaArmPerGbSecond + 0.5 * PRICES.dynamoDbPerRru);

  const usd = (value: number) => `$${value.toFixed(7)}`;
  printTable(
    `5. Per provisioning (median over ${histories.length} happy-path executions, from GetExecutionHistory and the stack's DynamoDB requests)`,
    [{ title: 'figure' }, { title: 'count', digits: 1 }, { title: 'USD per signup' }],
    [
      [`state transitions (StateEntered events + ${median(histories.map((h) => h.retries))} retries)`, transitions, usd(cost.stepFunctions)],
      [`Lambda invocations (Task entered + retries; ${sumOf(histories.map((h) => h.taskFailures))} failed attempts in all)`, invocations, usd(cost.lambdaRequests)],
      [`Lambda compute at ${memory.mb} MB: ms billed (Task time measured + RunInstances ${MODEL_SECONDS.runInstancesLatency} s)`, lambdaMs, usd(cost.lambdaCompute)],
      [`DynamoDB writes by the steps (${median(perSignupDdb.map((u) => u.writes))} requests) in WRU`, wru, usd(wru * PRICES.dynamoDbPerWru)],
      [`DynamoDB reads by the steps (${median(perSignupDdb.map((u) => u.reads))} requests) in RRU`, rru, usd(rru * PRICES.dynamoDbPerRru)],
      ['control plane per provisioning (the four above)', '', usd(total)],
      [`  beside it: the signup transaction (WRU; RRU ${signupRru})`, signupWru, usd(signupWru * PRICES.dynamoDbPerWru + signupRru * PRICES.dynamoDbPerRru)],
      [`  if each invocation billed ${ASSUMED_INVOCATION_MS} ms instead (assumption: real AWS API round trips)`, invocations * ASSUMED_INVOCATION_MS, usd(assumedCompute)],
    ],
  );
  console.log(
    `   Task run times measured in-process (history entered -> exited, real ms): p50 ${round(median(taskMs), 1)}, max ${round(max(taskMs), 1)} over ${taskMs.length} Tasks;` +
      ` in AWS each adds network round trips and cold starts (hence the ${ASSUMED_INVOCATION_MS} ms line).`,
  );
  console.log(`   Prices: Step Functions Standard $${Number((PRICES.stepFunctionsPerTransition * 1000).toPrecision(6))} per 1,000 transitions; Lambda arm64 $${PRICES.lambdaArmPerGbSecond} per GB-s + $${Number((PRICES.lambdaPerRequest * 1e6).toPrecision(6))} per 1M requests;` +
    ` DynamoDB on-demand $${Number((PRICES.dynamoDbPerWru * 1e6).toPrecision(6))} per 1M WRU, $${Number((PRICES.dynamoDbPerRru * 1e6).toPrecision(6))} per 1M RRU. Source: ${PRICES.source}.`);
  console.log(`   Memory: ${memory.mb} MB (${memory.source}). Request units: items < 1 KB / 4 KB; TransactWriteItems 2 WRU per item; eventually consistent reads 0.5 RRU.`);
  console.log('   Excluded: EC2, Route 53, SES, SSM (the product\'s cost), API Gateway and the sign-up/status Lambdas, CloudWatch Logs, X-Ray.');
  console.log(
    `   Email verification: no transitions (the execution ends after the welcome email). Worst case, SES verifying after 72 h:` +
      ` checked by ${sweepRuns} runs of the DKIM sweep (every ${sweepSeconds} s), each check 0.5 RRU + ${ASSUMED_INVOCATION_MS} ms / ${EMAIL_CHECK_CONCURRENCY} in flight at ${SWEEP_MEMORY_MB} MB` +
      ` = ${usd(perCheck)}, + 2 WRU at the end = ${usd(verificationWorst)} (assumed prices x counts, not measured).` +
      ` The sweep's runs themselves, with or without pending customers: ${usd(sweepFixedPerMonth)} per month, not per signup.`,
  );
  console.log(
    '   Here each step\'s real compute counts 50x in model time (scale 0.02), so checks find things ready sooner than in AWS: the model row counts the' +
      ' retries at the model\'s AWS timings (bench/provisioning-model.ts) with the measured compute and DynamoDB. Each check is bounded by its' +
      ' retrier\'s MaxAttempts, as the loops it replaced were by their poll count.',
  );
  printTable(
    '   Per signup: typical (median) and worst (each figure at its maximum over the runs), with email verification\'s worst case (SES verifying after 72 h)',
    [{ title: 'case' }, { title: 'transitions', digits: 0 }, { title: 'invocations', digits: 0 }, { title: 'USD' }, { title: '+ email verification worst' }],
    [
      ['typical', transitions, invocations, usd(total), usd(total + verificationWorst)],
      ['worst', worstTransitions, worstInvocations, usd(worst), usd(worst + verificationWorst)],
      ['on the model (AWS timings)', model.transitions, model.invocations, usd(modelCost), usd(modelCost + verificationWorst)],
    ],
  );
  const highest = Math.max(worst, modelCost) + verificationWorst;
  console.log(`   Target: at most $0.001 per signup including the worst case (issue 8): ${highest <= 0.001 ? 'met' : 'NOT met'} (${usd(highest)}).`);
  if (Object.keys(result.refusedHosts).length > 0) console.log(`!! the loopback guard refused: ${JSON.stringify(result.refusedHosts)}`);

  return {
    ...resizeSummary,
    provisioning: {
      scale,
      signups: runs.length,
      ok: ok.length,
      signupToActiveModelS: { p50: round(activeP50, 1), max: round(max(active), 1) },
      signupToEmailRunningModelS: { p50: round(median(email), 1), max: round(max(email), 1) },
      criticalPathModelS: model.critical,
      criticalPathNoPollingModelS: model.criticalContinuous,
      naiveModelS: model.naive,
      measuredOverCritical: round(activeP50 / model.critical, 2),
      naiveOverMeasured: round(model.naive / activeP50, 2),
    },
    perProvisioning: {
      transitions,
      lambdaInvocations: invocations,
      lambdaBilledMs: round(lambdaMs, 0),
      dynamoDbWru: wru,
      dynamoDbRru: rru,
      transitionsWorst: worstTransitions,
      lambdaInvocationsWorst: worstInvocations,
      modelTransitions: model.transitions,
      usdModel: Number(modelCost.toPrecision(3)),
      usd: Number(total.toPrecision(3)),
      usdWorst: Number(worst.toPrecision(3)),
      usdWorstCaseWithEmailVerification: Number((worst + verificationWorst).toPrecision(3)),
      usdDkimSweepPerMonth: Number(sweepFixedPerMonth.toPrecision(3)),
    },
  };
}

/**
 * The errors some Retry of the provisioning ASL catches (States.ALL, which only rollback steps retry, left
 * out): a TaskFailed with one of these names on a successful execution was retried, a billed transition.
 */
function retriedErrors(): (error: string) => boolean {
  const names = new Set<string>();
  forEachState(loadDefinition(PROVISION_CUSTOMER).States, (_name, state) => {
    for (const retrier of state.Retry ?? []) for (const error of retrier.ErrorEquals) if (error !== 'States.ALL') names.add(error);
  });
  return (error) => names.has(error);
}

/** DynamoDB requests sent by a workflow step's code (bench/dynamodb-counter.mjs origins). */
function isWorkflowStep(origin: string): boolean {
  return origin.startsWith('provisioning/') || origin.startsWith('billing/') || origin.startsWith('workflows/');
}

function sumOf(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
}
