import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MODEL_SECONDS } from '../local/sandbox/clock';
import { SCHEDULED_JOBS } from '../lambdas/scheduled/jobs';

/**
 * The provisioning workflow's timing on the sandbox's model (local/sandbox/clock.ts, in model seconds)
 * and its shape (statemachines/provision-customer.asl.json): the lower bound its critical path allows,
 * and what the same steps would take one after another. Nothing here is measured; every input is
 * imported or read from the ASL file, and the formulas are printed beside the numbers.
 */
export const ASL_FILE = path.resolve(__dirname, '..', 'statemachines', 'provision-customer.asl.json');

interface AslRetrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxAttempts?: number;
}
interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Branches?: readonly AslMachine[];
  readonly Retry?: readonly AslRetrier[];
}
interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

export function loadAsl(file = ASL_FILE): AslMachine {
  return JSON.parse(readFileSync(file, 'utf8')) as AslMachine;
}

/** Every state of the machine, Parallel branches included, by name. */
function allStates(machine: AslMachine): Map<string, AslState> {
  const states = new Map<string, AslState>();
  const visit = (m: AslMachine) => {
    for (const [name, state] of Object.entries(m.States)) {
      states.set(name, state);
      state.Branches?.forEach(visit);
    }
  };
  visit(machine);
  return states;
}

/** The check Tasks that poll by retrying NotReadyError (lambdas/workflows/errors.ts), by state name. */
export const POLL_CHECKS = {
  instance: 'Check instance',
  dns: 'Check DNS change',
  agent: 'Check instance agent',
  deployment: 'Check deployment',
} as const;

/** The DKIM sweep's rate (lambdas/scheduled/jobs.ts), in seconds: email verification is no longer a loop in the ASL. */
export function emailSweepSeconds(): number {
  const job = SCHEDULED_JOBS.find((candidate) => candidate.id === 'VerifyEmailDomains');
  if (!job) throw new Error('lambdas/scheduled/jobs.ts: no VerifyEmailDomains job');
  return job.everyMinutes * 60;
}

/** Each check's poll interval: the IntervalSeconds of its NotReadyError retrier, which must not back off. */
export function pollSeconds(machine: AslMachine): Record<keyof typeof POLL_CHECKS, number> {
  const states = allStates(machine);
  const seconds = (name: string) => {
    const retrier = states.get(name)?.Retry?.find((r) => r.ErrorEquals.includes('NotReadyError'));
    if (!retrier || typeof retrier.IntervalSeconds !== 'number' || (retrier.BackoffRate ?? 2) !== 1) {
      throw new Error(`${ASL_FILE}: "${name}" has no NotReadyError retrier with IntervalSeconds and BackoffRate 1`);
    }
    return retrier.IntervalSeconds;
  };
  return Object.fromEntries(Object.entries(POLL_CHECKS).map(([key, name]) => [key, seconds(name)])) as Record<keyof typeof POLL_CHECKS, number>;
}

/**
 * The states a run with no retry enters, and how many are Tasks: from StartAt along Next, into each
 * Parallel's branches. The happy path has no Choice (a check that is not ready is retried, not looped).
 */
export function happyPath(machine: AslMachine): { states: number; tasks: number } {
  let states = 0;
  let tasks = 0;
  const walk = (m: AslMachine) => {
    let name: string | undefined = m.StartAt;
    for (let guard = 0; name !== undefined; guard += 1) {
      const state: AslState | undefined = m.States[name];
      if (!state || guard > 100) throw new Error(`${ASL_FILE}: no state "${name}" or a loop on the happy path`);
      if (state.Type === 'Choice') throw new Error(`${ASL_FILE}: "${name}" is a Choice on the happy path: the transition count needs it`);
      states += 1;
      if (state.Type === 'Task') tasks += 1;
      state.Branches?.forEach(walk);
      name = state.End ? undefined : state.Next;
    }
  };
  walk(machine);
  return { states, tasks };
}

/** The check that first sees a condition true `needed` s after the first check, checking every `interval` s. */
const firstCheck = (needed: number, interval: number) => (needed <= 0 ? 0 : Math.ceil(needed / interval) * interval);
/** How many times that check is retried before it sees the condition. */
const retriesFor = (needed: number, interval: number) => firstCheck(needed, interval) / interval;

export interface ModelBounds {
  readonly polls: Record<keyof typeof POLL_CHECKS, number>;
  /** How many times each check is retried on the model's timings before it sees its condition. */
  readonly retries: Record<keyof typeof POLL_CHECKS, number>;
  /** Transitions of one provisioning on the model: the happy path's states plus each check's retries. */
  readonly transitions: number;
  /** Lambda invocations on the model: the happy path's Tasks plus the retries. */
  readonly invocations: number;
  /** Signup to active, the model's durations along the critical path with no polling delay. */
  readonly criticalContinuous: number;
  /** The same with the ASL's polls: each check runs at once, then every IntervalSeconds of its NotReadyError retrier. */
  readonly critical: number;
  /** Signup to email `running`, at most: DKIM verification is found at activation, or by the next DKIM sweep run. */
  readonly criticalEmail: number;
  /** The same steps strictly one after another. */
  readonly naive: number;
  readonly naiveEmail: number;
  readonly formulas: readonly string[];
}

/**
 * The Parallel that launches the instance: the StartAt of its other branches, which must hold no Wait (a
 * branch without Wait waits for nothing the model delays, so it never outlasts the instance branch).
 */
function otherParallelBranches(machine: AslMachine): string[] {
  const parallel = [...allStates(machine).values()].find((state) => state.Branches?.some((b) => b.StartAt === 'Launch instance'));
  if (!parallel?.Branches) throw new Error(`${ASL_FILE}: no Parallel state with a "Launch instance" branch`);
  const others = parallel.Branches.filter((branch) => branch.StartAt !== 'Launch instance');
  for (const branch of others) {
    if (Object.values(branch.States).some((state) => state.Type === 'Wait')) {
      throw new Error(`${ASL_FILE}: the Parallel branch "${branch.StartAt}" now waits: the critical-path formula needs it`);
    }
  }
  return others.map((branch) => branch.StartAt);
}

/**
 * The formula assumes the DNS change is requested before the agent check and the deployment, and checked
 * right after the deployment: it propagates while the apps deploy.
 */
function assertDnsCheckedAfterDeployment(machine: AslMachine): void {
  const states = allStates(machine);
  if (states.get('Point subdomain at instance')?.Next !== 'Check instance agent' || states.get('Check deployment')?.Next !== 'Check DNS change') {
    throw new Error(`${ASL_FILE}: the DNS change is no longer requested before the deployment and checked after it: the critical-path formula needs it`);
  }
}

export function modelBounds(machine: AslMachine = loadAsl()): ModelBounds {
  const m = MODEL_SECONDS;
  const w = pollSeconds(machine);
  const others = otherParallelBranches(machine).map((name) => `"${name}"`).join(', ');
  // Instance branch: RunInstances answers after its latency; the instance is pending, then running after instanceBoot.
  const launched = m.runInstancesLatency;
  const runningAt = launched + m.instanceBoot;
  // Email branch: CreateEmailIdentity + the DKIM CNAMEs have no modelled duration; SES verifies sesDkimVerification
  // after the identity was created (at ~0), once the CNAMEs exist.
  const dkimVerifiedAt = m.sesDkimVerification;
  // The SSM command: Pending for ssmCommandPending, then InProgress for ssmCommandDuration.
  const deploy = m.ssmCommandPending + m.ssmCommandDuration;

  // After the instance runs, the DNS change is requested; it goes INSYNC while the agent comes online and the apps deploy.
  assertDnsCheckedAfterDeployment(machine);
  // Without polling delay.
  const dnsDoneC = runningAt + m.route53InSync;
  const deployedC = runningAt + m.ssmAgentOnline + deploy;
  const criticalContinuous = Math.max(dnsDoneC, deployedC);

  // With the ASL's polls: each check runs at once and is retried every IntervalSeconds until ready.
  const runningSeen = launched + firstCheck(m.instanceBoot, w.instance);
  const agentWait = runningAt + m.ssmAgentOnline - runningSeen;
  const agentDone = runningSeen + firstCheck(agentWait, w.agent);
  const deployed = agentDone + firstCheck(deploy, w.deployment);
  // The DNS check runs once the deployment is done; Route 53 has been propagating since runningSeen.
  const dnsWait = runningSeen + m.route53InSync - deployed;
  const critical = deployed + firstCheck(dnsWait, w.dns);
  const retries = {
    instance: retriesFor(m.instanceBoot, w.instance),
    dns: retriesFor(dnsWait, w.dns),
    agent: retriesFor(agentWait, w.agent),
    deployment: retriesFor(deploy, w.deployment),
  };
  const retryCount = retries.instance + retries.dns + retries.agent + retries.deployment;
  const path = happyPath(machine);
  // Activation reads the identity; if not verified yet, the scheduled DKIM sweep (every `sweep` s, at a phase
  // unrelated to the signup) finds it at the latest one sweep interval after SES verified it.
  const sweep = emailSweepSeconds();
  const criticalEmail = dkimVerifiedAt <= critical ? critical : dkimVerifiedAt + sweep;

  const naive = m.runInstancesLatency + m.instanceBoot + m.route53InSync + m.ssmAgentOnline + deploy;
  const naiveEmail = naive + m.sesDkimVerification;
  return {
    polls: w,
    retries,
    transitions: path.states + retryCount,
    invocations: path.tasks + retryCount,
    criticalContinuous,
    critical,
    criticalEmail,
    naive,
    naiveEmail,
    formulas: [
      `R = runInstancesLatency + instanceBoot = ${m.runInstancesLatency} + ${m.instanceBoot} = ${runningAt} (instance running; the other Parallel branches, ${others}, have no Wait and no modelled duration, so the Parallel ends with the instance branch)`,
      `critical path, no polling delay = R + max(route53InSync, ssmAgentOnline + ssmCommandPending + ssmCommandDuration)` +
        ` = ${runningAt} + max(${m.route53InSync}, ${m.ssmAgentOnline} + ${m.ssmCommandPending} + ${m.ssmCommandDuration}) = ${criticalContinuous}` +
        ` (the DNS change propagates while the agent comes online and the apps deploy; it is checked after the deployment)`,
      `with the ASL poll intervals (NotReadyError retry IntervalSeconds: instance ${w.instance}, DNS ${w.dns}, agent ${w.agent}, deployment ${w.deployment}; each check runs at once, then every interval)` +
        ` = D + ${w.dns}*ceil(max(0, ${runningSeen} + ${m.route53InSync} - D)/${w.dns}) with D (deployed) = ${launched} + ${w.instance}*ceil(${m.instanceBoot}/${w.instance})` +
        ` + ${w.agent}*ceil(max(0, ${runningAt + m.ssmAgentOnline} - ${runningSeen})/${w.agent}) + ${w.deployment}*ceil(${deploy}/${w.deployment}) = ${deployed}, so ${critical}`,
      `transitions on the model = happy-path states ${path.states} (Parallel branches included, no retry) + retries (instance ${retries.instance}, DNS ${retries.dns}, agent ${retries.agent}, deployment ${retries.deployment})` +
        ` = ${path.states + retryCount}; Lambda invocations = ${path.tasks} Tasks + ${retryCount} retries = ${path.tasks + retryCount}`,
      `email running <= active if sesDkimVerification (${dkimVerifiedAt}, from identity creation) <= active, else sesDkimVerification + the DKIM sweep's interval (${sweep})` +
        ` = ${criticalEmail}`,
      `naive = runInstancesLatency + instanceBoot + route53InSync + ssmAgentOnline + ssmCommandPending + ssmCommandDuration` +
        ` = ${m.runInstancesLatency} + ${m.instanceBoot} + ${m.route53InSync} + ${m.ssmAgentOnline} + ${m.ssmCommandPending} + ${m.ssmCommandDuration} = ${naive};` +
        ` to email running + sesDkimVerification ${m.sesDkimVerification} = ${naiveEmail}`,
    ],
  };
}

export interface HappyPathCounts {
  /** States entered plus retries (what Step Functions Standard bills as transitions), Parallel branches included. */
  readonly transitions: number;
  /** Task states entered plus retries: one Lambda invocation each. */
  readonly invocations: number;
  /** How many times each check is retried on the model's timings before it sees its condition. */
  readonly retries: Record<keyof typeof POLL_CHECKS, number>;
}

/**
 * One provisioning's state transitions and Lambda invocations on the model's timings, from the ASL itself
 * (modelBounds: the happy path's states and Tasks plus each NotReadyError retry). The cost report reads these
 * instead of a hard-coded count, so a leaner ASL shows up in the margin at once; the bench measures the real
 * figure beside it.
 */
export function happyPathCounts(machine: AslMachine = loadAsl()): HappyPathCounts {
  const bounds = modelBounds(machine);
  return { transitions: bounds.transitions, invocations: bounds.invocations, retries: bounds.retries };
}
