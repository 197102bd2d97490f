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

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Seconds?: number;
  readonly Next?: string;
  readonly Default?: string;
  readonly End?: boolean;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Branches?: readonly AslMachine[];
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

/** The Wait states of the poll loops, by the name the ASL gives them. */
export const POLL_WAITS = {
  instance: 'Wait for instance to boot',
  dns: 'Wait for DNS change',
  agent: 'Wait for instance agent',
  deployment: 'Wait for deployment',
} as const;

/** The DKIM sweep's rate (lambdas/scheduled/jobs.ts), in seconds: email verification is no longer a loop in the ASL. */
export function emailSweepSeconds(): number {
  const job = SCHEDULED_JOBS.find((candidate) => candidate.id === 'VerifyEmailDomains');
  if (!job) throw new Error('lambdas/scheduled/jobs.ts: no VerifyEmailDomains job');
  return job.everyMinutes * 60;
}

export function waitSeconds(machine: AslMachine): Record<keyof typeof POLL_WAITS, number> {
  const states = allStates(machine);
  const seconds = (name: string) => {
    const state = states.get(name);
    if (state?.Type !== 'Wait' || typeof state.Seconds !== 'number') throw new Error(`${ASL_FILE}: no Wait state "${name}" with Seconds`);
    return state.Seconds;
  };
  return Object.fromEntries(Object.entries(POLL_WAITS).map(([key, name]) => [key, seconds(name)])) as Record<keyof typeof POLL_WAITS, number>;
}

/** The states one more turn of the loop that starts at `waitState` enters, and how many of them are Tasks. */
export function loopTurn(machine: AslMachine, waitState: string): { states: string[]; tasks: number } {
  const states = allStates(machine);
  const turn: string[] = [];
  let name: string | undefined = waitState;
  for (let guard = 0; name !== undefined && guard < 20; guard += 1) {
    turn.push(name);
    const state = states.get(name);
    if (!state) throw new Error(`${ASL_FILE}: no state "${name}"`);
    // In a Choice, the loop goes on by its Default (the "not yet" branch).
    name = state.Type === 'Choice' ? state.Default : state.Next;
    if (name === waitState) return { states: turn, tasks: turn.filter((n) => states.get(n)?.Type === 'Task').length };
  }
  throw new Error(`${ASL_FILE}: "${waitState}" does not loop back to itself`);
}

/** The first check that sees a condition true `needed` s after the loop starts, checking every `wait` s. */
const firstCheck = (needed: number, wait: number, checkFirst: boolean) => {
  if (needed <= 0 && checkFirst) return 0;
  return Math.max(1, Math.ceil(Math.max(0, needed) / wait)) * wait;
};

export interface ModelBounds {
  readonly waits: Record<keyof typeof POLL_WAITS, number>;
  /** Signup to active, the model's durations along the critical path with no polling delay. */
  readonly criticalContinuous: number;
  /** The same with the ASL's poll loops: each waits its Wait Seconds before it checks (the agent loop checks first). */
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

/** The formula assumes the DNS wait runs in a Parallel branch beside the agent check and the deployment. */
function assertDnsBesideDeployment(machine: AslMachine): void {
  const parallel = [...allStates(machine).values()].find((state) =>
    state.Branches?.some((b) => b.StartAt === 'Point subdomain at instance') && state.Branches?.some((b) => 'Deploy applications' in b.States),
  );
  if (!parallel) throw new Error(`${ASL_FILE}: the DNS wait no longer runs beside the deployment: the critical-path formula needs it`);
}

export function modelBounds(machine: AslMachine = loadAsl()): ModelBounds {
  const m = MODEL_SECONDS;
  const w = waitSeconds(machine);
  const others = otherParallelBranches(machine).map((name) => `"${name}"`).join(', ');
  // Instance branch: RunInstances answers after its latency; the instance is pending, then running after instanceBoot.
  const launched = m.runInstancesLatency;
  const runningAt = launched + m.instanceBoot;
  // Email branch: CreateEmailIdentity + the DKIM CNAMEs have no modelled duration; SES verifies sesDkimVerification
  // after the identity was created (at ~0), once the CNAMEs exist.
  const dkimVerifiedAt = m.sesDkimVerification;
  // The SSM command: Pending for ssmCommandPending, then InProgress for ssmCommandDuration.
  const deploy = m.ssmCommandPending + m.ssmCommandDuration;

  // After the instance runs, two branches in parallel: the DNS change to INSYNC; the agent, then the deployment.
  assertDnsBesideDeployment(machine);
  // Without polling delay.
  const dnsDoneC = runningAt + m.route53InSync;
  const deployedC = runningAt + m.ssmAgentOnline + deploy;
  const criticalContinuous = Math.max(dnsDoneC, deployedC);

  // With the ASL's loops: Wait first, then check (the agent loop checks once before its first Wait).
  const runningSeen = launched + firstCheck(m.instanceBoot, w.instance, false);
  const dnsDone = runningSeen + firstCheck(m.route53InSync, w.dns, false);
  const agentDone = runningSeen + firstCheck(runningAt + m.ssmAgentOnline - runningSeen, w.agent, true);
  const deployed = agentDone + firstCheck(deploy, w.deployment, false);
  const critical = Math.max(dnsDone, deployed);
  // Activation reads the identity; if not verified yet, the scheduled DKIM sweep (every `sweep` s, at a phase
  // unrelated to the signup) finds it at the latest one sweep interval after SES verified it.
  const sweep = emailSweepSeconds();
  const criticalEmail = dkimVerifiedAt <= critical ? critical : dkimVerifiedAt + sweep;

  const naive = m.runInstancesLatency + m.instanceBoot + m.route53InSync + m.ssmAgentOnline + deploy;
  const naiveEmail = naive + m.sesDkimVerification;
  return {
    waits: w,
    criticalContinuous,
    critical,
    criticalEmail,
    naive,
    naiveEmail,
    formulas: [
      `R = runInstancesLatency + instanceBoot = ${m.runInstancesLatency} + ${m.instanceBoot} = ${runningAt} (instance running; the other Parallel branches, ${others}, have no Wait and no modelled duration, so the Parallel ends with the instance branch)`,
      `critical path, no polling delay = R + max(route53InSync, ssmAgentOnline + ssmCommandPending + ssmCommandDuration)` +
        ` = ${runningAt} + max(${m.route53InSync}, ${m.ssmAgentOnline} + ${m.ssmCommandPending} + ${m.ssmCommandDuration}) = ${criticalContinuous}` +
        ` (the DNS change propagates in a Parallel branch beside the agent and the deployment)`,
      `with the ASL Wait granularity (Wait Seconds: instance ${w.instance}, DNS ${w.dns}, agent ${w.agent}, deployment ${w.deployment}; each loop waits before its first check, except the agent loop)` +
        ` = ${launched} + ${w.instance}*ceil(${m.instanceBoot}/${w.instance}) + max(${w.dns}*ceil(${m.route53InSync}/${w.dns}),` +
        ` ${w.agent}*ceil(max(0, ${runningAt + m.ssmAgentOnline} - ${runningSeen})/${w.agent}) + ${w.deployment}*ceil(${deploy}/${w.deployment})) = ${critical}`,
      `email running <= active if sesDkimVerification (${dkimVerifiedAt}, from identity creation) <= active, else sesDkimVerification + the DKIM sweep's interval (${sweep})` +
        ` = ${criticalEmail}`,
      `naive = runInstancesLatency + instanceBoot + route53InSync + ssmAgentOnline + ssmCommandPending + ssmCommandDuration` +
        ` = ${m.runInstancesLatency} + ${m.instanceBoot} + ${m.route53InSync} + ${m.ssmAgentOnline} + ${m.ssmCommandPending} + ${m.ssmCommandDuration} = ${naive};` +
        ` to email running + sesDkimVerification ${m.sesDkimVerification} = ${naiveEmail}`,
    ],
  };
}

/** How many times each poll loop checks before it sees its condition, on the model's timings (see modelBounds). */
export function pollChecks(machine: AslMachine = loadAsl()): Record<keyof typeof POLL_WAITS, number> {
  const m = MODEL_SECONDS;
  const w = waitSeconds(machine);
  const runningAt = m.runInstancesLatency + m.instanceBoot;
  const instance = Math.max(1, Math.ceil(m.instanceBoot / w.instance));
  const runningSeen = m.runInstancesLatency + instance * w.instance;
  // The agent loop checks once before its first Wait.
  const agentNeeded = runningAt + m.ssmAgentOnline - runningSeen;
  const agent = agentNeeded <= 0 ? 1 : 1 + Math.ceil(agentNeeded / w.agent);
  return {
    instance,
    dns: Math.max(1, Math.ceil(m.route53InSync / w.dns)),
    agent,
    deployment: Math.max(1, Math.ceil((m.ssmCommandPending + m.ssmCommandDuration) / w.deployment)),
  };
}

export interface HappyPathCounts {
  /** States entered (what Step Functions Standard bills as transitions), Parallel states and their branches included. */
  readonly transitions: number;
  /** Task states entered: one Lambda invocation each (no retries on the happy path). */
  readonly invocations: number;
  readonly checks: Record<keyof typeof POLL_WAITS, number>;
}

/**
 * One provisioning's state transitions and Lambda invocations on the happy path, counted by walking the
 * ASL itself: every state from StartAt to the end, each Parallel's branches, and each poll loop as many
 * turns as the model's timings need (pollChecks). The cost report reads these instead of a hard-coded
 * count, so a leaner ASL shows up in the margin at once; the bench measures the real figure beside it.
 */
export function happyPathCounts(machine: AslMachine = loadAsl()): HappyPathCounts {
  const checks = pollChecks(machine);
  const loopOf = new Map<string, keyof typeof POLL_WAITS>(Object.entries(POLL_WAITS).map(([key, name]) => [name, key as keyof typeof POLL_WAITS]));
  let transitions = 0;
  let invocations = 0;
  const walk = (m: AslMachine) => {
    const seen = new Map<string, number>();
    let name: string | undefined = m.StartAt;
    for (let guard = 0; name !== undefined; guard += 1) {
      if (guard > 1000) throw new Error(`${ASL_FILE}: the happy path does not end`);
      const state: AslState | undefined = m.States[name];
      if (!state) throw new Error(`${ASL_FILE}: no state "${name}"`);
      transitions += 1;
      if (state.Type === 'Task') invocations += 1;
      state.Branches?.forEach(walk);
      if (state.Type === 'Choice') {
        const loop: keyof typeof POLL_WAITS | undefined = state.Default ? loopOf.get(state.Default) : undefined;
        if (!loop) throw new Error(`${ASL_FILE}: Choice "${name}" is no poll loop of POLL_WAITS: the happy path cannot be decided`);
        const evaluated: number = (seen.get(name) ?? 0) + 1;
        seen.set(name, evaluated);
        name = evaluated < checks[loop] ? state.Default : state.Choices?.[0]?.Next;
      } else {
        name = state.End || state.Type === 'Succeed' || state.Type === 'Fail' ? undefined : state.Next;
      }
    }
  };
  walk(machine);
  return { transitions, invocations, checks };
}
