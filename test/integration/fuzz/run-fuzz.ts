import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { buildCase, type CaseKind, type FuzzContext } from './cases';
import { checkAnswer } from './checks';
import { send } from './send';

export interface FuzzRunOptions {
  readonly apiUrl: string;
  readonly seed: number;
  readonly count: number;
  readonly concurrency: number;
  readonly context: FuzzContext;
  /** Which kinds of cases to draw from (each case picks one). */
  readonly kinds: readonly CaseKind[];
}

export interface FuzzOutcome {
  readonly index: number;
  readonly kind: CaseKind;
  readonly label: string;
  readonly request: string;
  /** `400 VALIDATION_FAILED`, `200`, or `no answer`. */
  readonly answer: string;
  readonly problems: readonly string[];
  /** The start of the body, for the failure report. */
  readonly excerpt: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly count: number;
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  /** Answers counted by `status code` (e.g. `400 VALIDATION_FAILED`). */
  readonly byAnswer: Record<string, number>;
  readonly byKind: Record<string, number>;
  readonly failures: readonly FuzzOutcome[];
}

/**
 * Sends `count` seeded malformed requests at a fixed concurrency and checks every answer (checks.ts).
 * Case i is built from (seed, i) alone, so a seed reproduces the same requests in any order.
 */
export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const byAnswer: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const failures: FuzzOutcome[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let index = next++; index < options.count; index = next++) {
      const outcome = await runCase(options, agent, index);
      byAnswer[outcome.answer] = (byAnswer[outcome.answer] ?? 0) + 1;
      byKind[outcome.kind] = (byKind[outcome.kind] ?? 0) + 1;
      if (outcome.problems.length > 0) failures.push(outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const elapsedMs = performance.now() - started;
  failures.sort((a, b) => a.index - b.index);
  return { seed: options.seed, count: options.count, elapsedMs, requestsPerSecond: options.count / (elapsedMs / 1000), byAnswer, byKind, failures };
}

async function runCase(options: FuzzRunOptions, agent: Agent, index: number): Promise<FuzzOutcome> {
  const fuzzCase = await buildCase(options.seed, index, options.context, options.kinds);
  const request = `${fuzzCase.method} ${fuzzCase.path.length > 100 ? `${fuzzCase.path.slice(0, 100)}...` : fuzzCase.path} (${fuzzCase.body.length} bytes)`;
  const base = { index, kind: fuzzCase.kind, label: fuzzCase.label, request };
  try {
    const answer = await send(options.apiUrl, agent, fuzzCase);
    const code = answer.status >= 400 ? errorCodeOf(answer.text) : undefined;
    const label = code ? `${answer.status} ${code}` : fuzzCase.method === 'HEAD' ? `${answer.status} (HEAD: no body)` : String(answer.status);
    return { ...base, answer: label, problems: checkAnswer(fuzzCase, answer), excerpt: answer.text.slice(0, 200) };
  } catch (error) {
    return { ...base, answer: 'no answer', problems: [`no answer: ${(error as Error).message}`], excerpt: '' };
  }
}

function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The failures, the seed and how to replay it: what a red run prints. */
export function describeFailures(report: FuzzReport, reproduce: string, max = 25): string {
  const byProblem: Record<string, number> = {};
  for (const failure of report.failures) for (const problem of failure.problems) byProblem[`[${failure.kind}] ${problem}`] = (byProblem[`[${failure.kind}] ${problem}`] ?? 0) + 1;
  const lines = [
    `${report.failures.length} of ${report.count} fuzz requests failed (seed ${report.seed}; reproduce with ${reproduce}):`,
    ...Object.entries(byProblem).sort(([, a], [, b]) => b - a).map(([problem, count]) => `  ${count} x ${problem}`),
    ...report.failures.slice(0, max).map(
      (failure) => `  #${failure.index} [${failure.kind}] ${failure.label}\n      ${failure.request} -> ${failure.answer}: ${failure.problems.join('; ')}${failure.excerpt ? `\n      body: ${failure.excerpt}` : ''}`,
    ),
  ];
  if (report.failures.length > max) lines.push(`  ... and ${report.failures.length - max} more`);
  return lines.join('\n');
}

/** A seed from the environment (to reproduce a run), else a fresh one. */
export function seedFrom(value: string | undefined): number {
  if (value === undefined || value === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`FUZZ_SEED must be an integer in [0, 2^32), got "${value}"`);
  return seed;
}

export function countFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return count;
}
