/**
 * `npm run bench`: the account API on the local stack (latency, throughput, the DynamoDB floor), the
 * Lambda bundles (size, cold import time), provisioning on the realistic model (signup to active against
 * the model's critical path; transitions, invocations and cost per signup) and 200 concurrent signups
 * provisioned on the fast profile, and Stripe webhooks (signed, duplicated, shuffled deliveries at concurrency,
 * checked for exactly-once; forged ones refused), and the fuzz suite at 10,000 requests. Measured figures only; all traffic goes to 127.0.0.1. Prints one table
 * per section and, last, one JSON line to copy into the README.
 *
 * BENCH_SECTIONS picks sections (comma-separated: api, bundles, provisioning, concurrent, webhooks, login, fuzz, fleet, websocket; default all).
 * WebSocket (section 11): BENCH_WS_MESSAGES (default 10,000), BENCH_WS_CUSTOMERS (default 10), BENCH_WS_CLIENTS_PER_CUSTOMER (default 10),
 * BENCH_WS_CONCURRENCY (default 16), BENCH_WS_FLOOR_SAMPLES (default 200), BENCH_WS_RATE (messages started per second, paced; default 0: as fast
 * as the senders go, which on 2 shared cores outruns the local fan-out, so latency then measures its backlog).
 * Fleet (section 10): BENCH_FLEET_CUSTOMERS (default 500), BENCH_FLEET_CONCURRENCY (default 20), BENCH_FLEET_TIME_SCALE (default 0.002).
 * Counts can be lowered for a quick try: BENCH_SIGNUPS, BENCH_READS (BENCH_READ_BLOCKS: status and GetItem alternate in that many blocks), BENCH_IMPORT_RUNS,
 * BENCH_PROVISIONING_SIGNUPS, BENCH_CONCURRENT_SIGNUPS, BENCH_CONCURRENT_CONCURRENCY; BENCH_TIME_SCALE
 * is the realistic model's compression (real seconds per model second). Webhooks: BENCH_WEBHOOK_DELIVERIES,
 * BENCH_WEBHOOK_CONCURRENCY, BENCH_WEBHOOK_CUSTOMERS, BENCH_WEBHOOK_FORGED, BENCH_WEBHOOK_SEED.
 * Fuzz (section 9, the fuzz suite at bench size): BENCH_FUZZ_COUNT (default 10,000), BENCH_FUZZ_SEED (default: a new one, printed).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { apiSummary, printApiReport } from './api-report';
import { benchAccountApi } from './api-section';
import { benchBundles, bundleSummary } from './bundle-section';
import { benchConcurrentProvisioning, printConcurrentReport } from './concurrent-section';
import { withLocalStack } from './local-stack';
import { timePasswordHash } from './password-hash';
import { benchProvisioning, printProvisioningReport } from './provisioning-section';
import { benchWebhooks, printWebhookReport } from './webhooks-section';
import { benchLoginTiming, printLoginTimingReport } from './login-timing-section';
import { benchFuzz, printFuzzReport } from './fuzz-section';
import { benchFleetUpdate, printFleetReport } from './fleet-section';
import { benchWebSocket, printWebSocketReport } from './websocket-section';
import { seedFrom } from '../test/integration/fuzz/run-fuzz';

function count(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const CONCURRENCY = 8;
const SIGNUPS = count('BENCH_SIGNUPS', 200);
const READS = count('BENCH_READS', 2_000);
const READ_BLOCKS = count('BENCH_READ_BLOCKS', 10);
const IMPORT_RUNS = count('BENCH_IMPORT_RUNS', 7);
const PROVISIONING_SIGNUPS = count('BENCH_PROVISIONING_SIGNUPS', 5);
const CONCURRENT_SIGNUPS = count('BENCH_CONCURRENT_SIGNUPS', 200);
const CONCURRENT_CONCURRENCY = count('BENCH_CONCURRENT_CONCURRENCY', 20);
const TIME_SCALE = scale('BENCH_TIME_SCALE', 0.02);
const WEBHOOK_DELIVERIES = count('BENCH_WEBHOOK_DELIVERIES', 1_000);
const WEBHOOK_CONCURRENCY = count('BENCH_WEBHOOK_CONCURRENCY', 16);
const WEBHOOK_CUSTOMERS = count('BENCH_WEBHOOK_CUSTOMERS', 6);
const WEBHOOK_FORGED = count('BENCH_WEBHOOK_FORGED', 20);
const WEBHOOK_SEED = count('BENCH_WEBHOOK_SEED', 20_240_601);

const SECTIONS = ['api', 'bundles', 'provisioning', 'concurrent', 'webhooks', 'login', 'fuzz', 'fleet', 'websocket'] as const;
const FLEET_CUSTOMERS = count('BENCH_FLEET_CUSTOMERS', 500);
const FLEET_CONCURRENCY = count('BENCH_FLEET_CONCURRENCY', 20);
const FLEET_TIME_SCALE = scale('BENCH_FLEET_TIME_SCALE', 0.002);
const LOGIN_ATTEMPTS = count('BENCH_LOGIN_ATTEMPTS', 96);
const WS_MESSAGES = count('BENCH_WS_MESSAGES', 10_000);
const WS_CUSTOMERS = count('BENCH_WS_CUSTOMERS', 10);
const WS_CLIENTS_PER_CUSTOMER = count('BENCH_WS_CLIENTS_PER_CUSTOMER', 10);
const WS_CONCURRENCY = count('BENCH_WS_CONCURRENCY', 16);
const WS_FLOOR_SAMPLES = count('BENCH_WS_FLOOR_SAMPLES', 200);
const WS_RATE = Number(process.env.BENCH_WS_RATE ?? 0);
if (!Number.isFinite(WS_RATE) || WS_RATE < 0) throw new Error('BENCH_WS_RATE must be a number of messages per second (0: unpaced)');
const FUZZ_COUNT = count('BENCH_FUZZ_COUNT', 10_000);
const FUZZ_SEED = seedFrom(process.env.BENCH_FUZZ_SEED);
const selected = sections(process.env.BENCH_SECTIONS);

function scale(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new Error(`${name} must be a number in (0, 1]`);
  return value;
}

function sections(raw: string | undefined): Set<string> {
  if (!raw) return new Set(SECTIONS);
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new Error(`BENCH_SECTIONS: one or more of ${SECTIONS.join(', ')} (got "${raw}")`);
  return new Set(names);
}

async function main(): Promise<void> {
  const started = performance.now();
  const summary: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim(),
    concurrency: CONCURRENCY,
    loadAvg1mAtStart: Number(os.loadavg()[0].toFixed(2)),
  };
  const errors: string[] = [];
  console.log(
    `StackPro bench: Node ${process.version}, ${os.cpus().length} x ${summary.cpu}, ${os.platform()} ${os.arch()}, ` +
      `load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')} at start (other work on the machine skews every figure)`,
  );

  console.log(`Sections: ${[...selected].join(', ')}`);

  if (selected.has('api')) try {
    const hashMs = await timePasswordHash(10);
    const api = await withLocalStack((stack) => {
      console.log(`Local stack up: API ${stack.apiUrl}, DynamoDB Local ${stack.dynamoDbUrl}`);
      return benchAccountApi(stack, {
        concurrency: CONCURRENCY,
        warmupSignups: Math.min(16, SIGNUPS),
        signups: SIGNUPS,
        serialSignups: Math.min(20, SIGNUPS),
        warmupReads: Math.min(200, READS),
        reads: READS,
        readBlocks: READ_BLOCKS,
        settleTimeoutMs: 120_000,
        hashMs,
      });
    });
    printApiReport(api);
    Object.assign(summary, apiSummary(api));
    if (api.signup.failures + api.signupSerial.failures + api.status.failures + api.getItem.failures > 0) errors.push('some API requests failed (see above)');
  } catch (error) {
    errors.push(`sections 1-2: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSections 1-2 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('bundles')) try {
    const bundles = await benchBundles(IMPORT_RUNS);
    summary.bundles = bundleSummary(bundles);
    for (const failure of bundles.failures) errors.push(`section 3: ${failure.id}: ${failure.error}`);
  } catch (error) {
    errors.push(`section 3: ${(error as Error).message}`);
    console.error(`\nSection 3 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('provisioning')) try {
    const provisioning = await benchProvisioning({ signups: PROVISIONING_SIGNUPS, scale: TIME_SCALE });
    Object.assign(summary, printProvisioningReport(provisioning));
    for (const run of provisioning.runs) if (run.problem) errors.push(`section 4: ${run.account.customerId}: ${run.problem}`);
  } catch (error) {
    errors.push(`sections 4-5: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSections 4-5 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('concurrent')) try {
    const concurrent = await benchConcurrentProvisioning({
      signups: CONCURRENT_SIGNUPS,
      concurrency: CONCURRENT_CONCURRENCY,
      // A burst queues in the local stack (its functions run a few invocations at once, on 2 cores): each
      // request may wait about as long as the whole burst takes.
      deadlineMs: Math.max(180_000, CONCURRENT_SIGNUPS * 600),
      requestTimeoutMs: Math.max(60_000, CONCURRENT_SIGNUPS * 1_200),
    });
    const report = printConcurrentReport(concurrent);
    Object.assign(summary, report.summary);
    if (report.failures > 0) errors.push(`section 6: ${report.failures} of ${CONCURRENT_SIGNUPS} signups not provisioned`);
  } catch (error) {
    errors.push(`section 6: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSection 6 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('webhooks')) try {
    const webhooks = await benchWebhooks({
      deliveries: WEBHOOK_DELIVERIES,
      duplicateShare: 0.2,
      concurrency: WEBHOOK_CONCURRENCY,
      customers: WEBHOOK_CUSTOMERS,
      forged: WEBHOOK_FORGED,
      seed: WEBHOOK_SEED,
    });
    const report = printWebhookReport(webhooks);
    Object.assign(summary, report.summary);
    for (const failure of report.failed) errors.push(`section 7: ${failure}`);
  } catch (error) {
    errors.push(`section 7: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSection 7 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('login')) try {
    const timing = await withLocalStack((stack) => benchLoginTiming(stack, LOGIN_ATTEMPTS));
    const report = printLoginTimingReport(timing);
    Object.assign(summary, report.summary);
    for (const failure of report.failed) errors.push(`section 8: ${failure}`);
  } catch (error) {
    errors.push(`section 8: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSection 8 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('fuzz')) try {
    const fuzz = await benchFuzz({ count: FUZZ_COUNT, seed: FUZZ_SEED, concurrency: 16 });
    const report = printFuzzReport(fuzz);
    Object.assign(summary, report.summary);
    for (const failure of report.failed) errors.push(`section 9: ${failure}`);
  } catch (error) {
    errors.push(`section 9: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSection 9 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('fleet')) try {
    const fleet = await benchFleetUpdate({ customers: FLEET_CUSTOMERS, concurrency: FLEET_CONCURRENCY, scale: FLEET_TIME_SCALE });
    const report = printFleetReport(fleet);
    Object.assign(summary, report.summary);
    for (const failure of report.failed) errors.push(`section 10: ${failure}`);
  } catch (error) {
    errors.push(`section 10: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSection 10 failed: ${(error as Error).stack ?? String(error)}`);
  }

  if (selected.has('websocket')) try {
    const websocket = await benchWebSocket({
      customers: WS_CUSTOMERS,
      clientsPerCustomer: WS_CLIENTS_PER_CUSTOMER,
      messages: WS_MESSAGES,
      concurrency: WS_CONCURRENCY,
      floorSamples: WS_FLOOR_SAMPLES,
      ratePerSecond: WS_RATE,
    });
    const report = printWebSocketReport(websocket);
    Object.assign(summary, report.summary);
    for (const failure of report.failed) errors.push(`section 11: ${failure}`);
  } catch (error) {
    errors.push(`section 11: ${(error as Error).stack ?? String(error)}`);
    console.error(`\nSection 11 failed: ${(error as Error).stack ?? String(error)}`);
  }

  summary.totalSeconds = Math.round((performance.now() - started) / 1000);
  if (errors.length > 0) summary.errors = errors.map((line) => line.split('\n')[0]);
  console.log(`\nDone in ${summary.totalSeconds} s${errors.length ? ` with ${errors.length} error(s)` : ''}. JSON summary:`);
  console.log(JSON.stringify(summary));
  process.exitCode = errors.length > 0 ? 1 : 0;
}

void main();
