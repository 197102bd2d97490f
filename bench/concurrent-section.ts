import { performance } from 'node:perf_hooks';
import { type Account, signUp, signupBody, verifyEmail } from './api-latency';
import { refusedHosts } from './guard';
import { runLoad } from './load';
import { withLocalStack } from './local-stack';
import { executionFacts, historyFigures, readStatus, sfnClient, sleep, type StatusBody } from './provisioning-common';
import { type RssPeaks, sampleRss } from './rss';
import { round, summarize } from './stats';
import { printTable } from './table';
import { DEFAULT_PUBLIC_IPS, MAX_PUBLIC_IPS } from '../local/sandbox/ec2';

export interface ConcurrentOptions {
  readonly signups: number;
  readonly concurrency: number;
  /** Longest wait, after the last signup answered, for every account to be active. */
  readonly deadlineMs: number;
  /** Per request: at this scale requests queue in the local stack much longer than one takes. */
  readonly requestTimeoutMs: number;
}

export interface ConcurrentResult {
  readonly options: ConcurrentOptions;
  readonly clock: { profile: string; scale: number; waitCapMs: number | null };
  readonly signupFailures: readonly string[];
  readonly signupWallMs: number;
  /** POST /auth/signup alone (the load's latencies also hold the wait for the email and the verification). */
  readonly signupLatencies: readonly number[];
  /** Answers 500 to 599, of signup and verification requests. */
  readonly serverErrors: number;
  readonly sandboxQuotas: { vcpus: number; publicIps: number };
  /** First signup sent -> last account seen active by the status route (polled). */
  readonly polledWallMs: number;
  /** First signup sent -> last "Activate customer" exited (execution histories). */
  readonly historyWallMs: number;
  readonly statuses: Record<string, number>;
  readonly notActive: readonly string[];
  readonly executions: Record<string, number>;
  readonly rss: RssPeaks;
  readonly refusedHosts: Record<string, number>;
}

/** Section 6: `signups` signups at `concurrency` on the fast profile, then until every one is active. */
export async function benchConcurrentProvisioning(options: ConcurrentOptions): Promise<ConcurrentResult> {
  const quotas = raisedQuotas(options.signups);
  return withLocalStack(
    async (stack) => {
      const clock = (await (await fetch(`${stack.process.edgeUrl}/_sandbox/clock`, { signal: AbortSignal.timeout(10_000) })).json()) as ConcurrentResult['clock'];
      const rss = sampleRss(stack.process.pid, stack.process.dynamoDbPid, 250);
      const runTag = `${Date.now().toString(36)}-${process.pid}`;
      const accounts: (Account | undefined)[] = new Array(options.signups);
      const started = Date.now();
      const signupLatencies: number[] = [];
      const load = await runLoad(options.signups, options.concurrency, async (i) => {
        const created: Account[] = [];
        const body = signupBody(runTag, `x${i}`);
        const sent = performance.now();
        const signedUp = await signUp(stack.apiUrl, body, created, options.requestTimeoutMs);
        signupLatencies.push(performance.now() - sent);
        accounts[i] = created[0];
        return signedUp.ok ? verifyEmail(stack.apiUrl, stack.process.edgeUrl, body.email, options.requestTimeoutMs) : signedUp;
      });
      const signedUp = accounts.filter((account): account is Account => account !== undefined);

      // Poll every account not yet active (8 at a time, a pause between rounds) until all are, or the deadline.
      const seen = new Map<Account, StatusBody>();
      const activeAt = new Map<Account, number>();
      const deadline = Date.now() + options.deadlineMs;
      let pending = [...signedUp];
      for (let round = 0; pending.length > 0 && round < 10_000; round += 1) {
        const bodies: StatusBody[] = [];
        await runLoad(pending.length, 8, async (i) => {
          bodies[i] = await readStatus(stack.apiUrl, pending[i]);
          if (bodies[i].status === 'active') activeAt.set(pending[i], Date.now());
          return { ok: true, status: '200' };
        });
        pending.forEach((account, i) => seen.set(account, bodies[i]));
        // `failed` is final: no use waiting for it.
        pending = pending.filter((_, i) => bodies[i].status !== 'active' && bodies[i].status !== 'failed');
        if (pending.length === 0 || Date.now() > deadline) break;
        await sleep(250);
      }
      const statuses: Record<string, number> = {};
      for (const body of seen.values()) statuses[body.status ?? '?'] = (statuses[body.status ?? '?'] ?? 0) + 1;
      const notActive = [...seen]
        .filter(([, body]) => body.status !== 'active')
        .map(([account, body]) => `${account.customerId}: ${body.status}${body.failureReason ? ` (${body.failureReason})` : ''} at step ${body.provisioning?.currentStep ?? '-'}`);

      // The precise instants, from each execution's history (its status too, for the failures).
      const sfn = sfnClient(stack.process.edgeUrl);
      const executions: Record<string, number> = {};
      let lastActivated = Number.NaN;
      try {
        const names = [...seen.values()].map((body) => body.provisioning?.executionName).filter((name): name is string => Boolean(name));
        await runLoad(names.length, 8, async (i) => {
          const facts = await executionFacts(sfn, names[i]);
          const label = facts.status === 'FAILED' ? `FAILED ${facts.error}: ${String(facts.cause).slice(0, 120)}` : facts.status;
          executions[label] = (executions[label] ?? 0) + 1;
          const activated = historyFigures(facts.events).exitedAt('Activate customer');
          if (activated !== undefined && !(activated <= lastActivated)) lastActivated = activated;
          return { ok: true, status: facts.status };
        });
      } finally {
        sfn.destroy();
      }
      const peaks = rss.stop();
      const polledLast = Math.max(...activeAt.values());
      return {
        options,
        clock,
        signupFailures: load.failures.map((f) => `${f.status} ${f.detail ?? ''}`.trim()),
        signupWallMs: load.wallMs,
        signupLatencies,
        serverErrors: load.failures.filter((failure) => /^(verify )?5\d\d$/.test(failure.status)).length,
        sandboxQuotas: quotas,
        polledWallMs: activeAt.size > 0 ? polledLast - started : Number.NaN,
        historyWallMs: lastActivated - started,
        statuses,
        notActive,
        executions,
        rss: peaks,
        refusedHosts: refusedHosts(stack.process.output()),
      };
    },
    { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_SANDBOX_VCPU_QUOTA: String(quotas.vcpus), STACKPRO_SANDBOX_PUBLIC_IPS: String(quotas.publicIps) },
  );
}

/** The account's capacity raised to hold every signup at once (t3.xlarge, the largest plan, counts 4 vCPUs). */
function raisedQuotas(signups: number): { vcpus: number; publicIps: number } {
  return { vcpus: 4 * signups, publicIps: Math.min(MAX_PUBLIC_IPS, Math.max(DEFAULT_PUBLIC_IPS, signups)) };
}

/** Prints section 6; returns its figures for the JSON summary and the failure count. */
export function printConcurrentReport(result: ConcurrentResult): { summary: Record<string, unknown>; failures: number } {
  const { options } = result;
  const active = result.statuses.active ?? 0;
  const failures = result.signupFailures.length + (options.signups - result.signupFailures.length - active);
  const latency = summarize(result.signupLatencies);
  const wallS = result.historyWallMs / 1000;
  printTable(
    `6. ${options.signups} signups at concurrency ${options.concurrency}, provisioned in the sandbox (${result.clock.profile} profile: scale ${result.clock.scale}, Waits capped at ${result.clock.waitCapMs} ms)`,
    [{ title: 'figure' }, { title: 'value', digits: 1 }],
    [
      ['signups answered 201 and verified 200', options.signups - result.signupFailures.length],
      ['5xx answers (signup and verification requests)', result.serverErrors],
      ['accounts active (status route)', active],
      ['failures (signup refused, or not active by the deadline)', failures],
      ['first signup sent -> last "Activate customer" exited (history), s', wallS],
      ['first signup sent -> last account seen active (polled every 250 ms), s', result.polledWallMs / 1000],
      ['provisioned signups per second (active / first signup -> last active)', active / wallS],
      ['signup requests: all answered after, s', result.signupWallMs / 1000],
      ['POST /auth/signup latency p50 / p99 (queueing included), ms', `${round(latency.p50, 0)} / ${round(latency.p99, 0)}`],
      ["peak RSS, stack Node process (bin/local.ts, its Lambda worker threads included), MiB", result.rss.stackNodeMiB],
      [`peak RSS, all ${result.rss.nodeProcesses} Node processes of npm start (tsx launcher + stack), MiB`, result.rss.stackTreeMiB],
      ['peak RSS, DynamoDB Local (Java), MiB', result.rss.dynamoDbMiB],
      ['VmHWM at the end: stack Node process / DynamoDB Local, MiB', `${round(result.rss.stackNodeHwmMiB, 0)} / ${round(result.rss.dynamoDbHwmMiB, 0)}`],
    ],
  );
  console.log(`   RSS sampled every 250 ms (${result.rss.samples} samples) from /proc/<pid>/status; executions: ${JSON.stringify(result.executions)}.`);
  console.log(
    `   Sandbox quotas raised for the burst: ${result.sandboxQuotas.vcpus} vCPUs, ${result.sandboxQuotas.publicIps} public IPs. Handlers (and their workers, if any) run\n` +
      '   inside the stack Node process; its children are the tsx launcher (counted in the sum) and DynamoDB Local (Java, its own row).',
  );
  if (result.signupFailures.length > 0) console.log(`!! signup failures: ${result.signupFailures.slice(0, 5).join(' | ')}`);
  if (result.notActive.length > 0) {
    console.log(`!! ${result.notActive.length} not active by the deadline (${options.deadlineMs / 1000} s after the last signup); statuses ${JSON.stringify(result.statuses)}:`);
    for (const line of result.notActive.slice(0, 10)) console.log(`   ${line}`);
  }
  if (Object.keys(result.refusedHosts).length > 0) console.log(`!! the loopback guard refused: ${JSON.stringify(result.refusedHosts)}`);
  return {
    failures,
    summary: {
      concurrentProvisioning: {
        signups: options.signups,
        concurrency: options.concurrency,
        serverErrors: result.serverErrors,
        signupP50Ms: round(latency.p50, 0),
        signupP99Ms: round(latency.p99, 0),
        active,
        failures,
        wallSeconds: round(wallS, 1),
        provisionedPerSecond: round(active / wallS, 1),
        peakRssMiB: { stack: round(result.rss.stackNodeMiB, 0), dynamoDbLocal: round(result.rss.dynamoDbMiB, 0) },
      },
    },
  };
}
