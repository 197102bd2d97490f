import { DeleteSnapshotCommand, type Snapshot } from '@aws-sdk/client-ec2';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ec2 } from '../clients/ec2';
import { config } from '../config';
import { METRICS } from '../core/metric-names';
import { describeFinalBackups } from '../lifecycle/snapshots';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';

export interface SnapshotSweepResult {
  readonly examined: number;
  readonly deleted: readonly string[];
  readonly failed: number;
}

/** Our final backups (tags ManagedBy=stackpro and Purpose=final-backup), every page. */
const finalBackups = (): Promise<Snapshot[]> => describeFinalBackups([{ Name: 'tag:ManagedBy', Values: ['stackpro'] }]);

/**
 * Deletes final-backup snapshots older than `stackpro:finalSnapshotRetentionDays` (default 90), so a
 * deprovisioned customer's data does not cost (or linger) forever. Only snapshots the deprovision workflow
 * tagged are touched (the IAM policy requires both tags too). A snapshot that is gone already counts as
 * done; one that fails stays and is retried next run. `now` is injectable (tests, the local control route).
 */
export async function deleteExpiredSnapshots(now: number): Promise<SnapshotSweepResult> {
  const cutoff = now - config.finalSnapshotRetentionDays() * 24 * 3600 * 1000;
  const snapshots = await finalBackups();
  const deleted: string[] = [];
  let failed = 0;
  for (const snapshot of snapshots) {
    if (!snapshot.SnapshotId || !snapshot.StartTime || snapshot.StartTime.getTime() > cutoff) continue;
    try {
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot.SnapshotId }));
      deleted.push(snapshot.SnapshotId);
    } catch (error) {
      if ((error as Error).name === 'InvalidSnapshot.NotFound') continue;
      failed += 1;
      logger.error('Final backup not deleted, retried next run', { snapshotId: snapshot.SnapshotId, errorName: (error as Error).name });
    }
  }
  if (deleted.length > 0) metrics.addMetric(METRICS.finalSnapshotsDeleted, MetricUnit.Count, deleted.length);
  if (failed > 0) metrics.addMetric(METRICS.billingSweepErrors, MetricUnit.Count, failed);
  publishMetrics();
  logger.info('Final backup sweep done', { examined: snapshots.length, deleted: deleted.length, failed });
  return { examined: snapshots.length, deleted, failed };
}
