import { type Account, dynamoDbClient, getProfileItem, getStatus, keepAliveAgent, signUp, signupBody, signupShapedTransaction } from './api-latency';
import { refusedHosts } from './guard';
import { type LoadResult, runAlternating, runLoad } from './load';
import { type BenchStack } from './local-stack';
import { type SettleReport, settle } from './settle';
import { summarize } from './stats';

export interface ApiBenchOptions {
  readonly concurrency: number;
  readonly warmupSignups: number;
  readonly signups: number;
  /** Signups one at a time after the concurrent ones: latency without queueing. */
  readonly serialSignups: number;
  readonly warmupReads: number;
  readonly reads: number;
  /** The reads alternate between the status route and GetItem in this many blocks each. */
  readonly readBlocks: number;
  /** Longest wait for the signups' provisioning executions to finish before the reads. */
  readonly settleTimeoutMs: number;
  /** Median argon2id hash time measured beforehand (ms), to set the signup figures against. */
  readonly hashMs: number;
}

export interface Figure {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
  readonly rps: number;
  readonly failures: number;
}

export interface ApiFigures {
  readonly options: ApiBenchOptions;
  /** Accounts the status reads and GetItems cycle over. */
  readonly accounts: number;
  /** The wait for provisioning executions between the signups and the reads. */
  readonly settled: SettleReport;
  /** Hosts other than 127.0.0.1 the stack tried to reach (refused by the loopback guard), with counts. */
  readonly refusedHosts: Record<string, number>;
  readonly signup: Figure;
  readonly signupSerial: Figure;
  readonly status: Figure;
  readonly getItem: Figure;
  /** A TransactWriteItems shaped like signup's, at the signups' concurrency and at 1. */
  readonly transaction: Figure;
  readonly transactionSerial: Figure;
}

function figure(result: LoadResult): Figure {
  const s = summarize(result.latencies);
  return { requests: s.count, p50: s.p50, p99: s.p99, mean: s.mean, max: s.max, rps: result.throughput, failures: result.failures.length };
}

/** Prints the failed requests, grouped by status and body, so a non-zero count can be diagnosed. */
function reportFailures(what: string, result: LoadResult): LoadResult {
  if (result.failures.length === 0) return result;
  const groups = new Map<string, { count: number; first: number }>();
  for (const failure of result.failures) {
    const key = `${failure.status} ${failure.detail ?? ''}`.trim();
    const group = groups.get(key) ?? { count: 0, first: failure.index };
    group.count += 1;
    group.first = Math.min(group.first, failure.index);
    groups.set(key, group);
  }
  console.log(`\n!! ${what}: ${result.failures.length} of ${result.latencies.length} requests failed`);
  const sorted = [...groups].sort((a, b) => b[1].count - a[1].count);
  for (const [key, group] of sorted.slice(0, 10)) console.log(`   ${group.count} x (first #${group.first}): ${key}`);
  if (sorted.length > 10) console.log(`   ... and ${sorted.length - 10} other kinds of failure`);
  return result;
}

/** Sections 1 and 2 against one running local stack: signups, status reads, then the same reads as bare GetItems. */
export async function benchAccountApi(stack: BenchStack, options: ApiBenchOptions): Promise<ApiFigures> {
  const { apiUrl } = stack;
  const { concurrency } = options;
  const runTag = `${Date.now().toString(36)}-${process.pid}`;
  const accounts: Account[] = [];
  const others: Account[] = [];

  reportFailures('warm-up signups', await runLoad(options.warmupSignups, concurrency, (i) => signUp(apiUrl, signupBody(runTag, `w${i}`), others)));
  const signups = reportFailures(
    'POST /auth/signup',
    await runLoad(options.signups, concurrency, (i) => signUp(apiUrl, signupBody(runTag, `c${i}`), accounts)),
  );
  if (accounts.length === 0) throw new Error('No signup succeeded: nothing to read back');
  // The serial signups run once the executions of the concurrent ones are done, and the reads once theirs are.
  const settled = await settle(apiUrl, [...others, ...accounts], options.settleTimeoutMs);
  const serialAccounts: Account[] = [];
  const serial = reportFailures(
    'POST /auth/signup, concurrency 1',
    await runLoad(options.serialSignups, 1, (i) => signUp(apiUrl, signupBody(runTag, `s${i}`), serialAccounts)),
  );
  if (serialAccounts.length > 0) await settle(apiUrl, serialAccounts, options.settleTimeoutMs);

  const account = (i: number) => accounts[i % accounts.length];
  const agent = keepAliveAgent();
  const client = dynamoDbClient(stack.dynamoDbUrl);
  try {
    // The signup's floor besides the hash: its transaction alone, at the same concurrency and unqueued.
    const transactions = reportFailures('TransactWriteItems', await runLoad(options.serialSignups * 4, concurrency, (i) => signupShapedTransaction(client, runTag, i)));
    const transactionsSerial = reportFailures(
      'TransactWriteItems, concurrency 1',
      await runLoad(options.serialSignups, 1, (i) => signupShapedTransaction(client, runTag, 100_000 + i)),
    );
    const readStatus = (i: number) => getStatus(apiUrl, account(i), agent);
    const readItem = (i: number) => getProfileItem(client, account(i).customerId);
    reportFailures('warm-up status', await runLoad(options.warmupReads, concurrency, readStatus));
    reportFailures('warm-up GetItem', await runLoad(options.warmupReads, concurrency, readItem));
    // Block by block, status then GetItem over the same accounts in the same order: whatever else the machine
    // does at the time weighs on both figures alike.
    const [statusReads, itemReads] = await runAlternating(options.reads, options.readBlocks, concurrency, [readStatus, readItem]);
    const status = reportFailures('GET /customers/{id}/status', statusReads);
    const getItem = reportFailures('GetItem', itemReads);
    if ([signups, serial, status, getItem].some((result) => result.failures.length > 0)) printStackOutputTail(stack);
    return {
      options,
      accounts: accounts.length,
      settled,
      refusedHosts: refusedHosts(stack.process.output()),
      signup: figure(signups),
      signupSerial: figure(serial),
      status: figure(status),
      getItem: figure(getItem),
      transaction: figure(transactions),
      transactionSerial: figure(transactionsSerial),
    };
  } finally {
    client.destroy();
    agent.destroy();
  }
}

/** The end of what the stack printed (errors only, at LOG_LEVEL=ERROR), to see why requests failed. */
function printStackOutputTail(stack: BenchStack, lines = 30): void {
  const tail = stack.process.output().trimEnd().split('\n').slice(-lines);
  console.log(`\n!! Last ${tail.length} lines the local stack printed:`);
  for (const line of tail) console.log(`   | ${line.slice(0, 300)}`);
}
