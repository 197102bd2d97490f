/**
 * Durations (first response, resolution) are kept per day and channel as counts in fixed log-scale buckets,
 * so a median or p90 over any range of days is a sum of counters, never a list of every value.
 *
 * Bucket 0 holds [0, 1 s); bucket i >= 1 holds [2^((i-1)/8), 2^(i/8)) seconds: eight buckets per doubling,
 * about 200 up to a year, and a day's item holds only the buckets that have counts. A percentile is read as
 * its bucket's geometric middle, 2^((i-0.5)/8), which is within 2^(1/16) - 1 = 4.4% of the true value (and
 * under 1 s off in bucket 0, read as 0). The rank itself is exact (nearest-rank over the counts).
 */
export const BUCKETS_PER_DOUBLING = 8;

/** The largest relative error of a reported percentile above 1 s: 2^(1/16) - 1. */
export const RELATIVE_ERROR = 2 ** (1 / (2 * BUCKETS_PER_DOUBLING)) - 1;

/** Counts by bucket index. */
export type Histogram = Readonly<Record<number, number>>;

export function bucketOf(seconds: number): number {
  if (!(seconds >= 1)) return 0;
  return 1 + Math.floor(Math.log2(seconds) * BUCKETS_PER_DOUBLING);
}

/** The value a bucket reports: its geometric middle (0 for the sub-second bucket). */
export function bucketValue(bucket: number): number {
  return bucket <= 0 ? 0 : 2 ** ((bucket - 0.5) / BUCKETS_PER_DOUBLING);
}

export function mergeHistograms(histograms: readonly Histogram[]): Record<number, number> {
  const merged: Record<number, number> = {};
  for (const histogram of histograms) {
    for (const [bucket, count] of Object.entries(histogram)) merged[Number(bucket)] = (merged[Number(bucket)] ?? 0) + count;
  }
  return merged;
}

export function countOf(histogram: Histogram): number {
  return Object.values(histogram).reduce((sum, count) => sum + count, 0);
}

/**
 * The nearest-rank percentile (`fraction` 0.5 for the median, 0.9 for p90): the smallest value with at least
 * that share of values at or below it; undefined when there are none. Whole seconds.
 */
export function percentile(histogram: Histogram, fraction: number): number | undefined {
  const total = countOf(histogram);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (const bucket of Object.keys(histogram).map(Number).sort((x, y) => x - y)) {
    seen += histogram[bucket] ?? 0;
    if (seen >= rank) return Math.round(bucketValue(bucket));
  }
  return undefined;
}

/** What a duration metric reports: how many, and their median and p90 (seconds, absent when none). */
export interface DurationSummary {
  readonly count: number;
  readonly medianSeconds?: number;
  readonly p90Seconds?: number;
}

export function summarize(histogram: Histogram): DurationSummary {
  const count = countOf(histogram);
  if (count === 0) return { count };
  return { count, medianSeconds: percentile(histogram, 0.5)!, p90Seconds: percentile(histogram, 0.9)! };
}
