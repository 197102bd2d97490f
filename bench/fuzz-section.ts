import { isDeepStrictEqual } from 'node:util';
import { GENERIC_KINDS } from '../test/integration/fuzz/cases';
import { fuzzStackEnv, newWebhookSecret, prepareFuzz } from '../test/integration/fuzz/fixture';
import { describeFailures, runFuzz, type FuzzReport } from '../test/integration/fuzz/run-fuzz';
import { changedKinds, readState } from '../test/integration/fuzz/state';
import { withLocalStack } from './local-stack';
import { printTable } from './table';

export interface FuzzBenchOptions {
  readonly count: number;
  readonly seed: number;
  readonly concurrency: number;
}

export interface FuzzBenchResult {
  readonly report: FuzzReport;
  /** Item kinds (other than login attempts and Stripe event records) whose count changed. */
  readonly changedKinds: Record<string, { before: number; after: number }>;
  readonly inventoryChanged: boolean;
}

/**
 * Section 9: the fuzz suite (test/integration/fuzz.test.ts) at bench size on a fresh local stack: every
 * kind of malformed request, correctly signed Stripe webhooks with malformed bodies included, at a fixed
 * concurrency; then the accounts and the sandbox inventory compared with before.
 */
export async function benchFuzz(options: FuzzBenchOptions): Promise<FuzzBenchResult> {
  const webhookSecret = newWebhookSecret();
  return withLocalStack(async (stack) => {
    const target = { apiUrl: stack.apiUrl, edgeUrl: stack.process.edgeUrl, dynamoDbUrl: stack.dynamoDbUrl, dataDir: stack.process.dataDir };
    const { context, settled } = await prepareFuzz(target, webhookSecret);
    const report = await runFuzz({ ...options, apiUrl: stack.apiUrl, context, kinds: [...GENERIC_KINDS, 'signed-webhook'] });
    const after = await readState(target.dynamoDbUrl, target.edgeUrl);
    return { report, changedKinds: changedKinds(settled, after), inventoryChanged: !isDeepStrictEqual(after.inventory, settled.inventory) };
  }, fuzzStackEnv(webhookSecret));
}

export function printFuzzReport(result: FuzzBenchResult): { summary: Record<string, unknown>; failed: string[] } {
  const { report } = result;
  const byAnswer = Object.entries(report.byAnswer).sort(([a], [b]) => a.localeCompare(b));
  printTable(
    `9. Fuzz: ${report.count} seeded malformed requests on every route (seed ${report.seed}, concurrency 16): answers by status and code`,
    [{ title: 'answer' }, { title: 'requests', digits: 0 }, { title: 'share', suffix: ' %' }],
    byAnswer.map(([answer, count]) => [answer, count, (100 * count) / report.count]),
  );
  const fiveXx = byAnswer.filter(([answer]) => /^5/.test(answer)).reduce((sum, [, count]) => sum + count, 0);
  console.log(
    `   ${Math.round(report.requestsPerSecond)} requests/s (${(report.elapsedMs / 1000).toFixed(1)} s); by kind ${JSON.stringify(report.byKind)}; ` +
      `${report.failures.length} failed a check (${fiveXx} 5xx); accounts changed: ${JSON.stringify(result.changedKinds)}; inventory changed: ${result.inventoryChanged}`,
  );
  const failed: string[] = [];
  if (report.failures.length > 0) {
    console.log(describeFailures(report, `BENCH_SECTIONS=fuzz BENCH_FUZZ_SEED=${report.seed} BENCH_FUZZ_COUNT=${report.count} npm run bench`, 15));
    failed.push(`${report.failures.length} of ${report.count} fuzz requests failed a check, ${fiveXx} of them 5xx (BENCH_FUZZ_SEED=${report.seed})`);
  }
  if (Object.keys(result.changedKinds).length > 0) failed.push(`fuzz changed stored items: ${JSON.stringify(result.changedKinds)}`);
  if (result.inventoryChanged) failed.push('fuzz changed the sandbox inventory');
  return {
    summary: { fuzz: { requests: report.count, seed: report.seed, requestsPerSecond: Math.round(report.requestsPerSecond), failures: report.failures.length, fiveXx, byAnswer: report.byAnswer } },
    failed,
  };
}
