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

/**
 * Runs each task `count` times like runLoad, in `blocks` rounds: every round runs the next slice of indices
 * for each task in turn (the order flips every round), so the tasks share the machine's conditions over
 * time. Throughput is each task's count over the time its own blocks took.
 */
export async function runAlternating(
  count: number,
  blocks: number,
  concurrency: number,
  tasks: readonly ((index: number) => Promise<Outcome>)[],
): Promise<LoadResult[]> {
  const merged = tasks.map(() => ({ latencies: [] as number[], wallMs: 0, failures: [] as LoadResult['failures'] }));
  const size = Math.ceil(count / blocks);
  for (let block = 0, start = 0; start < count; block += 1, start += size) {
    const slice = Math.min(size, count - start);
    const order = tasks.map((_, i) => i);
    if (block % 2 === 1) order.reverse();
    for (const t of order) {
      const result = await runLoad(slice, concurrency, (i) => tasks[t](start + i));
      merged[t].latencies.push(...result.latencies);
      merged[t].wallMs += result.wallMs;
      merged[t].failures.push(...result.failures.map((failure) => ({ ...failure, index: failure.index + start })));
    }
  }
  return merged.map((m) => ({ ...m, throughput: m.latencies.length / (m.wallMs / 1000) }));
}
