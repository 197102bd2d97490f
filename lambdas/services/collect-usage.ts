import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DescribeInstancesCommand, DescribeSnapshotsCommand, type Instance, type Snapshot } from '@aws-sdk/client-ec2';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ec2 } from '../clients/ec2';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import { INSTANCE_METRICS, METRICS } from '../core/metric-names';
import { PLAN_NAMES } from '../core/plans';
import { type CustomerUsage, monthStartUtc, totalBackupBytes } from '../core/usage';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { CUSTOMER_TAG } from '../provisioning/instance-tags';
import { profileSummaries, putUsage } from '../repositories/usage';
import { type MetricQuery, type MetricSeries, readMetricSeries } from './metric-data';

/** The tag launch puts on every customer instance, volume and snapshot (lib/customer-instances.ts MANAGED_BY_TAG). */
const MANAGED_BY = { key: 'ManagedBy', value: 'stackpro' } as const;
/** Instances that still hold a disk: a terminated one has none left to measure. */
const HOLDING_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** The agent ships disk_used every minute; the latest 5-minute average within this window is "disk used now". */
export const DISK_WINDOW_MS = 6 * 3600 * 1000;
const DISK_PERIOD_SECONDS = 300;
/** NetworkOut summed per day since the start of the month (a multiple of 300 s, as windows over 15 days old need). */
const NETWORK_PERIOD_SECONDS = 86_400;
/** Usage items written at once. */
const WRITE_CONCURRENCY = 10;

export interface UsageCollectionResult {
  /** Customer instances found (one per customer is measured). */
  readonly instances: number;
  /** Customers whose usage item this run wrote. */
  readonly measured: number;
  /** Customers skipped because a newer measurement was already stored. */
  readonly stale: number;
  /** Instances whose customer has no profile (never written: no partition is made up). */
  readonly orphaned: number;
}

/** One customer's server as EC2 tags it. */
interface FleetMember {
  readonly customerId: string;
  readonly instanceId: string;
}

/**
 * The usage job (lambdas/scheduled/jobs.ts, every 15 minutes): finds every customer server by its
 * ManagedBy tag, reads disk used (CloudWatch agent) and data out this month (EC2 NetworkOut) for all of
 * them in GetMetricData calls of 500 queries, sums the customer's EBS snapshots, and writes one usage item
 * into each customer's partition, so the status route still makes one Query. Also publishes the
 * dashboard's gauges: active customers by plan and provisionings in flight. Idempotent; `now` is the
 * scheduled time.
 */
export async function collectUsage(now: number): Promise<UsageCollectionResult> {
  const fleet = await customerFleet();
  const profiles = new Map((await profileSummaries(fleet.map((member) => member.customerId))).map((profile) => [profile.customerId, profile]));
  const measurable = fleet.filter((member) => profiles.has(member.customerId));
  const monthStart = monthStartUtc(now);
  const [disk, network, backups] = await Promise.all([
    readMetricSeries(measurable.map((member, index) => diskQuery(`d${index}`, member.instanceId)), {
      start: new Date(now - DISK_WINDOW_MS),
      end: new Date(now),
    }),
    readMetricSeries(measurable.map((member, index) => networkQuery(`n${index}`, member.instanceId)), { start: monthStart, end: new Date(now) }),
    backupsByCustomer(),
  ]);

  const measuredAt = new Date(now).toISOString();
  const usages = measurable.map((member, index): [string, CustomerUsage] => {
    const diskUsed = latest(disk.get(`d${index}`));
    const sent = network.get(`n${index}`);
    const snapshots = backups.get(member.customerId) ?? [];
    const totalBytes = totalBackupBytes(snapshots.map((snapshot) => snapshot.FullSnapshotSizeInBytes));
    return [
      member.customerId,
      {
        measuredAt,
        ...(diskUsed === undefined ? {} : { diskUsedBytes: Math.round(diskUsed) }),
        // No datapoint at all this month (stopped all month, or just launched): not known yet, not zero.
        ...(sent && sent.values.length > 0 ? { dataTransferredOut: { bytes: Math.round(sum(sent.values)), since: monthStart.toISOString() } } : {}),
        backups: { count: snapshots.length, ...(totalBytes === undefined ? {} : { totalBytes }) },
      },
    ];
  });
  let written = 0;
  for (let start = 0; start < usages.length; start += WRITE_CONCURRENCY) {
    const outcomes = await Promise.all(usages.slice(start, start + WRITE_CONCURRENCY).map(([customerId, usage]) => putUsage(customerId, usage)));
    written += outcomes.filter(Boolean).length;
  }

  await publishGauges([...profiles.values()].filter((profile) => profile.status === 'active').map((profile) => profile.plan));
  if (written > 0) metrics.addMetric(METRICS.usageMeasured, MetricUnit.Count, written);
  publishMetrics();
  const result: UsageCollectionResult = {
    instances: fleet.length,
    measured: written,
    stale: usages.length - written,
    orphaned: fleet.length - measurable.length,
  };
  if (result.instances > 0) logger.info('Usage collected', { ...result });
  return result;
}

/** Every customer's server (the running one first, else the newest), from EC2 tags: no table Scan. */
async function customerFleet(): Promise<FleetMember[]> {
  const instances: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${MANAGED_BY.key}`, Values: [MANAGED_BY.value] },
          { Name: 'instance-state-name', Values: HOLDING_STATES },
        ],
        MaxResults: 1000,
        NextToken,
      }),
    );
    instances.push(...(page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []));
    NextToken = page.NextToken;
  } while (NextToken);

  const rank = (instance: Instance) => [instance.State?.Name === 'running' ? 1 : 0, instance.LaunchTime?.getTime() ?? 0];
  const byCustomer = new Map<string, Instance>();
  for (const instance of instances) {
    const customerId = tagOf(instance.Tags, CUSTOMER_TAG);
    if (!customerId || !instance.InstanceId) continue;
    const current = byCustomer.get(customerId);
    if (!current || compareRank(rank(instance), rank(current)) > 0) byCustomer.set(customerId, instance);
  }
  return [...byCustomer.entries()].map(([customerId, instance]) => ({
    customerId,
    instanceId: instance.InstanceId as string,
  }));
}

/** Completed snapshots tagged ManagedBy=stackpro (final backups, recovery points), by their Customer tag. */
async function backupsByCustomer(): Promise<Map<string, Snapshot[]>> {
  const byCustomer = new Map<string, Snapshot[]>();
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [
          { Name: `tag:${MANAGED_BY.key}`, Values: [MANAGED_BY.value] },
          { Name: 'status', Values: ['completed'] },
        ],
        MaxResults: 1000,
        NextToken,
      }),
    );
    for (const snapshot of page.Snapshots ?? []) {
      const customerId = tagOf(snapshot.Tags, CUSTOMER_TAG);
      if (customerId) byCustomer.set(customerId, [...(byCustomer.get(customerId) ?? []), snapshot]);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return byCustomer;
}

/**
 * The dashboard's gauges, as single metrics so each carries its own dimensions: active customers per plan
 * (0 too, so a plan's line does not vanish) and the ProvisionCustomer executions running now.
 */
async function publishGauges(activePlans: readonly string[]): Promise<void> {
  for (const plan of PLAN_NAMES) {
    metrics
      .singleMetric()
      .addDimension('plan', plan)
      .addMetric(METRICS.activeCustomers, MetricUnit.Count, activePlans.filter((name) => name === plan).length);
  }
  let running = 0;
  let nextToken: string | undefined;
  do {
    const page = await stepFunctions.send(
      new ListExecutionsCommand({ stateMachineArn: config.provisioningStateMachineArn(), statusFilter: 'RUNNING', maxResults: 1000, nextToken }),
    );
    running += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  metrics.addMetric(METRICS.provisioningsInFlight, MetricUnit.Count, running);
}

function diskQuery(id: string, instanceId: string): MetricQuery {
  return {
    id,
    namespace: INSTANCE_METRICS.namespace,
    metricName: INSTANCE_METRICS.diskUsed,
    dimensions: { [INSTANCE_METRICS.dimension]: instanceId },
    stat: 'Average',
    period: DISK_PERIOD_SECONDS,
  };
}

function networkQuery(id: string, instanceId: string): MetricQuery {
  return {
    id,
    namespace: INSTANCE_METRICS.ec2Namespace,
    metricName: INSTANCE_METRICS.networkOut,
    dimensions: { [INSTANCE_METRICS.dimension]: instanceId },
    stat: 'Sum',
    period: NETWORK_PERIOD_SECONDS,
  };
}

/** The newest datapoint's value (series come newest first), or undefined when there is none. */
function latest(series: MetricSeries | undefined): number | undefined {
  if (!series || series.values.length === 0) return undefined;
  let newest = 0;
  for (let i = 1; i < series.values.length; i += 1) if (series.timestamps[i] > series.timestamps[newest]) newest = i;
  return series.values[newest];
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

const tagOf = (tags: readonly { Key?: string; Value?: string }[] | undefined, key: string) => tags?.find((tag) => tag.Key === key)?.Value;

function compareRank(a: number[], b: number[]): number {
  return a[0] - b[0] || a[1] - b[1];
}
