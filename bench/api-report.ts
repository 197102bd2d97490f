import os from 'node:os';
import type { ApiFigures, Figure } from './api-section';
import { round } from './stats';
import { printTable } from './table';

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;

/** Prints the tables of sections 1 and 2, with what the figures include. */
export function printApiReport(f: ApiFigures): void {
  const { concurrency, warmupSignups, warmupReads, hashMs } = f.options;
  const row = (name: string, x: Figure) => [name, x.requests, x.p50, x.p99, x.mean, x.max, x.rps, x.failures];
  printTable(
    `1. Account API on the local stack (fetch, concurrency ${concurrency}, after a warm-up)`,
    [
      { title: 'request' },
      { title: 'requests', digits: 0 },
      { title: 'p50 ms', digits: 2 },
      { title: 'p99 ms', digits: 2 },
      { title: 'mean ms', digits: 2 },
      { title: 'max ms', digits: 1 },
      { title: 'req/s', digits: 1 },
      { title: 'non-2xx/failed', digits: 0 },
    ],
    [row('POST /auth/signup', f.signup), row('POST /auth/signup (concurrency 1)', f.signupSerial), row('GET /customers/{id}/status', f.status)],
  );
  const perSignupMs = 1000 / f.signup.rps;
  const hashShare = hashMs / perSignupMs;
  console.log(
    [
      `Warm-up: ${warmupSignups} signups and ${warmupReads} status calls, not counted. Status reads cycle over the ${f.accounts} accounts`,
      'signed up above.',
      `Signup hashes the password with argon2id (19 MiB, t=2, p=1, hash-wasm): ${hashMs.toFixed(1)} ms for the hash alone (median of 10,`,
      `measured in this process before the stack started), ${pct(hashMs, f.signupSerial.p50)} of an unqueued signup (p50 at concurrency 1:`,
      `${f.signupSerial.p50.toFixed(1)} ms) and ${pct(hashMs, perSignupMs)} of the ${perSignupMs.toFixed(1)} ms each signup costs at concurrency ${concurrency} (1 / throughput).`,
      hashShare >= 0.5
        ? 'Signup is dominated by that hash.'
        : 'So on this run the hash is not the larger part. The other work in the stack process: the signup\'s DynamoDB transaction,' +
          '\nStartExecution and token signing, and the provisioning executions the signups start, which run in the same process.',
      "The hash is CPU work on the stack's one Node thread, so concurrent signups queue: concurrency / throughput =",
      `${(concurrency * perSignupMs).toFixed(0)} ms, measured mean ${f.signup.mean.toFixed(0)} ms.`,
      'The local stack is `npm start` as a child process (tsx, LOG_LEVEL=ERROR, fresh temp data dir, and the bench\'s loopback',
      'guard preloaded so it can reach 127.0.0.1 only): one Node process with the API adapter, authorizer and handlers',
      'in-process, plus DynamoDB Local (Java). This client runs on the same 2 cores.',
    ].join('\n'),
  );

  printSignupFloor(f);

  const statuses = Object.entries(f.settled.statuses).map(([status, n]) => `${n} ${status}`).join(', ');
  console.log(
    `Each signup starts a provisioning execution in the stack (sandbox in its default profile), which runs alongside the\n` +
      `concurrent signups. After them the bench waited ${f.settled.seconds.toFixed(1)} s (at most ${(f.options.settleTimeoutMs / 1000).toFixed(0)} s) for those executions to leave\n` +
      `"provisioning" (${statuses}), then ran the concurrency-1 signups, waited for theirs, and only then the reads.`,
  );
  const refused = Object.entries(f.refusedHosts);
  if (refused.length > 0) {
    const total = refused.reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `!! The stack tried to reach hosts other than 127.0.0.1 ${total} times; the bench's loopback guard refused them all:\n` +
        `!! ${refused.map(([host, n]) => `${host} (${n})`).join(', ')}`,
    );
  }

  const readRow = (name: string, x: Figure) => [name, x.requests, x.p50, x.p99, x.mean, x.rps, x.failures];
  printTable(
    `2. Status route vs the floor: a bare DynamoDB GetItem of the same profile item (SDK v3 to DynamoDB Local, concurrency ${concurrency})`,
    [
      { title: 'request' },
      { title: 'requests', digits: 0 },
      { title: 'p50 ms', digits: 2 },
      { title: 'p99 ms', digits: 2 },
      { title: 'mean ms', digits: 2 },
      { title: 'req/s', digits: 1 },
      { title: 'failed', digits: 0 },
    ],
    [readRow('GET /customers/{id}/status', f.status), readRow('GetItem pk=CUSTOMER#<id>, sk=PROFILE', f.getItem)],
  );
  printTable(
    'Ratio status route / GetItem',
    [
      { title: 'p50', suffix: 'x' },
      { title: 'p99', suffix: 'x' },
      { title: 'mean', suffix: 'x' },
      { title: 'throughput GetItem/status', suffix: 'x' },
    ],
    [[f.status.p50 / f.getItem.p50, f.status.p99 / f.getItem.p99, f.status.mean / f.getItem.mean, f.getItem.rps / f.status.rps]],
  );
  const failed = [f.signup, f.signupSerial, f.status, f.getItem].reduce((total, x) => total + x.failures, 0);
  if (failed > 0) {
    console.log(`!! ${failed} measured requests failed (listed above): their latencies are in these figures, which therefore`);
    console.log('!! do not describe a working route.');
  }
  console.log(
    [
      `Like with like: both read the same accounts' items in the same order, each after ${warmupReads} warm-up reads, from this`,
      'process over node:http keep-alive connections (the SDK sends the GetItems that way; the status reads use an agent',
      `set up the same), at concurrency ${concurrency}, alternating in ${f.options.readBlocks} blocks (status first, then GetItem first, ...) so both share`,
      "the machine's conditions. The status route adds HTTP through the API adapter, the authorizer (ES256 JWT verify,",
      'once per token per container: the reads cycle over the accounts, so a token comes back as a polling page would),',
      "one Query of the customer's partition (profile, infrastructure, step log) instead of the GetItem, and the JSON",
      'response. The accounts read here are unverified signups, whose partitions hold few items.',
    ].join('\n'),
  );
}

/**
 * On `cores` cores, `concurrency` signups at once cannot hash faster than concurrency / cores hashes' time each,
 * plus their transaction at that concurrency: the floor no stack on this machine can beat.
 */
export function physicalSignupFloorMs(f: ApiFigures, cores = os.availableParallelism()): number {
  const { concurrency, hashMs } = f.options;
  return (concurrency / Math.min(concurrency, cores)) * hashMs + f.transaction.p50;
}

/** Signup against its floor: the argon2id hash plus one signup-shaped DynamoDB transaction, from the same run. */
function printSignupFloor(f: ApiFigures): void {
  const { concurrency, hashMs } = f.options;
  const floor = hashMs + f.transactionSerial.p50;
  const cores = os.availableParallelism();
  const physical = physicalSignupFloorMs(f, cores);
  printTable(
    `Signup vs its floor: argon2id hash (${hashMs.toFixed(1)} ms) + one TransactWriteItems of signup's shape (p50 ${f.transactionSerial.p50.toFixed(1)} ms unqueued, ${f.transaction.p50.toFixed(1)} ms at concurrency ${concurrency})`,
    [
      { title: 'signup' },
      { title: 'p50 ms', digits: 1 },
      { title: 'floor ms', digits: 1 },
      { title: 'p50 / floor', suffix: 'x' },
      { title: `floor on ${cores} cores ms`, digits: 1 },
      { title: 'p50 / floor on cores', suffix: 'x' },
    ],
    [
      [`concurrency ${concurrency}`, f.signup.p50, floor, f.signup.p50 / floor, physical, f.signup.p50 / physical],
      ['concurrency 1', f.signupSerial.p50, floor, f.signupSerial.p50 / floor, floor, f.signupSerial.p50 / floor],
    ],
  );
  console.log(
    `The hash is CPU work: at concurrency ${concurrency} on ${cores} cores no stack can do better than about ${(concurrency / Math.min(concurrency, cores)).toFixed(0)} hashes' time per\n` +
      `signup plus the transaction at that concurrency (${physical.toFixed(0)} ms here, "floor on ${cores} cores"), where Lambda gives each of the ${concurrency} its own environment.\n` +
      `STACKPRO_LAMBDA_WORKERS=cpu-bound runs the handlers that hash in worker threads of their own (README "Local stack").`,
  );
}

/** The figures for the JSON summary line. */
export function apiSummary(f: ApiFigures) {
  const compact = (x: Figure) => ({ n: x.requests, p50: round(x.p50), p99: round(x.p99), mean: round(x.mean), rps: round(x.rps, 1), failed: x.failures });
  return {
    argon2idHashMs: round(f.options.hashMs, 1),
    provisioningSettle: { seconds: round(f.settled.seconds, 1), statuses: f.settled.statuses },
    refusedNonLoopback: f.refusedHosts,
    signup: compact(f.signup),
    signupConcurrency1: compact(f.signupSerial),
    status: compact(f.status),
    getItem: compact(f.getItem),
    statusVsGetItem: { p50X: round(f.status.p50 / f.getItem.p50, 1), p99X: round(f.status.p99 / f.getItem.p99, 1) },
    signupTransaction: { p50: round(f.transactionSerial.p50), p50AtConcurrency: round(f.transaction.p50) },
    signupVsFloor: {
      p50X: round(f.signup.p50 / (f.options.hashMs + f.transactionSerial.p50), 2),
      concurrency1P50X: round(f.signupSerial.p50 / (f.options.hashMs + f.transactionSerial.p50), 2),
      onCoresP50X: round(f.signup.p50 / physicalSignupFloorMs(f), 2),
    },
  };
}
