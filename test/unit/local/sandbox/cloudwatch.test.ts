import { rmSync } from 'node:fs';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CreateSnapshotCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { INSTANCE_METRICS } from '../../../../lambdas/core/metric-names';
import { USAGE_MODEL } from '../../../../local/sandbox/instance-usage';
import { sdkConfig, testSandbox, launchRunningInstance } from './in-process';

// Model seconds are milliseconds on this clock (scale 0.001): one real minute is 60,000 model seconds.
const { sandbox, advance, clock, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
const cloudWatch = new CloudWatchClient(sdkConfig(sandbox.services.monitoring));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const MINUTE = 60_000;

const runningInstance = (customer: string) => launchRunningInstance(ec2, advance, customer);

const query = (id: string, instanceId: string, metric: 'disk' | 'network', period: number): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: metric === 'disk' ? INSTANCE_METRICS.namespace : INSTANCE_METRICS.ec2Namespace,
      MetricName: metric === 'disk' ? INSTANCE_METRICS.diskUsed : INSTANCE_METRICS.networkOut,
      Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
    },
    Period: period,
    Stat: metric === 'disk' ? 'Average' : 'Sum',
  },
});

async function read(queries: MetricDataQuery[], start: number, end = clock.now()) {
  const output = await cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(start), EndTime: new Date(end) }));
  return Object.fromEntries((output.MetricDataResults ?? []).map((result) => [result.Id, result]));
}

describe('CloudWatch GetMetricData through CloudWatchClient (AWS JSON 1.0, awsQuery-compatible)', () => {
  it('serves disk_used growing while the server runs, and nothing while it is stopped', async () => {
    const instanceId = await runningInstance('disk');
    const launchedAt = clock.now();
    advance(10 * MINUTE);
    const early = await read([query('d', instanceId, 'disk', 60)], launchedAt);
    advance(20 * MINUTE);
    const later = await read([query('d', instanceId, 'disk', 60)], launchedAt);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    advance(15);
    const stoppedAt = clock.now();
    advance(10 * MINUTE);
    const whileStopped = await read([query('d', instanceId, 'disk', 60)], stoppedAt + MINUTE);

    const newestEarly = early.d.Values![0];
    const newestLater = later.d.Values![0];
    expect(early.d.Timestamps![0].getTime()).toBeGreaterThan(early.d.Timestamps![1].getTime());
    expect(newestEarly).toBeGreaterThan(USAGE_MODEL.baseDiskBytes);
    expect(newestLater).toBeGreaterThan(newestEarly);
    expect(newestLater).toBeLessThanOrEqual(USAGE_MODEL.volumeBytes * USAGE_MODEL.fullShare);
    expect(whileStopped.d.Values).toEqual([]);
  });

  it('serves NetworkOut per period, summing to what the server sent while it ran', async () => {
    const instanceId = await runningInstance('network');
    const from = clock.now();
    advance(30 * MINUTE);
    const perMinute = await read([query('n', instanceId, 'network', 60)], from);
    const perHalfHour = await read([query('n', instanceId, 'network', 1800)], from);

    const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
    expect(perMinute.n.Values!.length).toBeGreaterThanOrEqual(30);
    expect(total(perMinute.n.Values!)).toBeGreaterThan(0);
    expect(Math.abs(total(perHalfHour.n.Values!) - total(perMinute.n.Values!))).toBeLessThanOrEqual(perMinute.n.Values!.length);
  });

  it('answers an unknown instance or metric with no datapoints, as CloudWatch does', async () => {
    const result = await read([query('u', 'i-0123456789abcdef0', 'disk', 300)], clock.now() - 60 * MINUTE);

    expect(result.u).toMatchObject({ Id: 'u', StatusCode: 'Complete', Values: [], Timestamps: [] });
  });

  it('refuses more than 500 queries and metric math with the awsQuery error codes', async () => {
    const many = Array.from({ length: 501 }, (_, i) => query(`q${i}`, 'i-0123456789abcdef0', 'disk', 300));
    const math: MetricDataQuery = { Id: 'm', Expression: 'SUM(METRICS())' };

    await expect(read(many, clock.now() - MINUTE)).rejects.toMatchObject({ name: 'InvalidParameterValueException', Code: 'InvalidParameterValue' });
    await expect(read([math], clock.now() - MINUTE)).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(read([query('d', 'i-0123456789abcdef0', 'disk', 300)], clock.now(), clock.now() - MINUTE)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });

  it('reports a completed snapshot full size: the disk used when it was taken', async () => {
    const instanceId = await runningInstance('snapshot');
    advance(5 * MINUTE);
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];
    const volumeId = instance.BlockDeviceMappings![0].Ebs!.VolumeId!;
    const diskNow = (await read([query('d', instanceId, 'disk', 60)], clock.now() - MINUTE)).d.Values![0];
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    const pending = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }))).Snapshots![0];
    advance(200);
    const completed = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }))).Snapshots![0];

    expect(pending.FullSnapshotSizeInBytes).toBeUndefined();
    expect(completed.FullSnapshotSizeInBytes).toBeGreaterThanOrEqual(diskNow);
    expect(completed.FullSnapshotSizeInBytes).toBeLessThan(diskNow + 10 * 2 ** 20);
  });
});
