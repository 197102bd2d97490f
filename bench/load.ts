import { performance } from 'node:perf_hooks';

/** What one request reported: `ok` false counts as a failure (non-2xx status, wrong body, thrown error). */
export interface Outcome {
  readonly ok: boolean;
  /** HTTP status or error name, for the failure listing. */
  readonly status: string;
  readonly detail?: string;
}

export interface LoadResult {
  /** Latency of every request, successful or not (ms). */
  readonly latencies: number[];
  readonly wallMs: number;
  readonly throughput: number;
  readonly failures: { index: number; status: string; detail?: string }[];
}

/**
 * Runs `task(0..count-1)` with at most `concurrency` in flight (each worker takes the next index), timing
 * each call. A bounded loop: exactly `count` calls; a thrown error is a failure, not an abort.
 */
export async function runLoad(count: number, concurrency: number, task: (index: number) => Promise<Outcome>): Promise<LoadResult> {
  const latencies: number[] = new Array(count);
  const failures: LoadResult['failures'] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const started = performance.now();
      let outcome: Outcome;
      try {
        outcome = await task(index);
      } catch (error) {
        outcome = { ok: false, status: (error as Error).name, detail: (error as Error).message };
      }
      latencies[index] = performance.now() - started;
      if (!outcome.ok) failures.push({ index, status: outcome.status, detail: outcome.detail });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const wallMs = performance.now() - started;
  return { latencies, wallMs, throughput: count / (wallMs / 1000), failures };
}
