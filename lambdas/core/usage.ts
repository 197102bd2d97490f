/**
 * Measured usage of one customer's server, as the usage job (lambdas/services/collect-usage.ts) stores it
 * and the status route shows it. Every figure is optional: one not measured yet is left out, never guessed.
 */
export interface CustomerUsage {
  /** When the job measured it (ISO-8601). */
  readonly measuredAt: string;
  /** Bytes used on the root file system (the CloudWatch agent's latest `disk_used`). */
  readonly diskUsedBytes?: number;
  /** Bytes the server sent out since `since` (the start of the month, UTC): the sum of EC2's `NetworkOut`. */
  readonly dataTransferredOut?: { readonly bytes: number; readonly since: string };
  /**
   * The customer's EBS snapshots kept now. `totalBytes` is the sum of their full sizes as EC2 reports them
   * (left out when EC2 has not reported one of them yet); EBS bills less, as later snapshots are incremental.
   */
  readonly backups?: { readonly count: number; readonly totalBytes?: number };
}

/** The first instant of `at`'s month, UTC: data transferred out counts from here. */
export function monthStartUtc(at: number): Date {
  const date = new Date(at);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** The full sizes of the snapshots, summed; undefined when any is unknown (never a partial sum). */
export function totalBackupBytes(sizes: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const size of sizes) {
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}
