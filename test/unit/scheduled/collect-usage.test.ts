import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client, type Instance, type Snapshot } from '@aws-sdk/client-ec2';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/scheduled/collect-usage';
import { metrics } from '../../../lambdas/metrics';
import type * as Usage from '../../../lambdas/repositories/usage';
import { collectUsage } from '../../../lambdas/services/collect-usage';

const ec2 = mockClient(EC2Client);
const cloudWatch = mockClient(CloudWatchClient);
const sfn = mockClient(SFNClient);

// Reading the profiles (batches of 100, throttled keys asked again) and writing the usage item (never over a
// newer one) are the usage repository's: test/unit/repositories/usage.test.ts.
let knownProfiles: Usage.ProfileSummary[] = [];
const profileSummaries = jest.fn(async (customerIds: readonly string[]) => knownProfiles.filter((known) => customerIds.includes(known.customerId)));
const putUsage = jest.fn<ReturnType<typeof Usage.putUsage>, Parameters<typeof Usage.putUsage>>();
jest.mock('../../../lambdas/repositories/usage', () => ({
  profileSummaries: (customerIds: readonly string[]) => profileSummaries(customerIds),
  putUsage: (...args: Parameters<typeof Usage.putUsage>) => putUsage(...args),
}));

const NOW = Date.parse('2030-03-10T12:00:00.000Z');
const MONTH_START = '2030-03-01T00:00:00.000Z';
const GIB = 2 ** 30;

const instance = (customerId: string, instanceId: string, state = 'running', launched = '2030-03-01T00:00:00Z'): Instance => ({
  InstanceId: instanceId,
  State: { Name: state as 'running' },
  LaunchTime: new Date(launched),
  Tags: [
    { Key: 'Customer', Value: customerId },
    { Key: 'ManagedBy', Value: 'stackpro' },
  ],
});
const snapshot = (customerId: string, fullSize?: number): Snapshot => ({
  SnapshotId: `snap-${customerId}`,
  ...(fullSize === undefined ? {} : { FullSnapshotSizeInBytes: fullSize }),
  Tags: [{ Key: 'Customer', Value: customerId }],
});
const profile = (customerId: string, status = 'active', plan = 'starter') => ({ customerId, status, plan }) as Usage.ProfileSummary;

/** CloudWatch answers per query id: `d<i>` disk, `n<i>` network, by the instance id in the query. */
function metricData(byInstance: Record<string, { disk?: number[]; network?: number[] }>) {
  cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: input.MetricDataQueries!.map((query) => {
      const instanceId = query.MetricStat!.Metric!.Dimensions![0].Value!;
      const values = (query.Id!.startsWith('d') ? byInstance[instanceId]?.disk : byInstance[instanceId]?.network) ?? [];
      return { Id: query.Id, Values: values, Timestamps: values.map((_, i) => new Date(NOW - i * 300_000)), StatusCode: 'Complete' };
    }),
  }));
}

function fleet(instances: Instance[], snapshots: Snapshot[], profiles: ReturnType<typeof profile>[]) {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: snapshots });
  knownProfiles = profiles;
}

/** What the job stored, by customer. */
const written = () => Object.fromEntries(putUsage.mock.calls.map(([customerId, usage]) => [customerId, usage as unknown as Record<string, unknown>]));

beforeEach(() => {
  for (const client of [ec2, cloudWatch, sfn]) client.reset();
  knownProfiles = [];
  profileSummaries.mockClear();
  putUsage.mockReset().mockResolvedValue(true);
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
});

describe('CollectUsage (the usage job)', () => {
  it("writes each customer's measured disk used, data out since the month began and backups into its partition", async () => {
    fleet([instance('a', 'i-a'), instance('b', 'i-b', 'stopped')], [snapshot('b', 2 * GIB), { ...snapshot('b', 1 * GIB), SnapshotId: 'snap-b2' }], [profile('a'), profile('b', 'suspended')]);
    metricData({ 'i-a': { disk: [5 * GIB, 4 * GIB], network: [100, 200, 300] }, 'i-b': { disk: [], network: [50] } });

    await expect(collectUsage(NOW)).resolves.toEqual({ instances: 2, measured: 2, stale: 0, orphaned: 0 });

    expect(written()).toEqual({
      a: { measuredAt: '2030-03-10T12:00:00.000Z', diskUsedBytes: 5 * GIB, dataTransferredOut: { bytes: 600, since: MONTH_START }, backups: { count: 0, totalBytes: 0 } },
      b: { measuredAt: '2030-03-10T12:00:00.000Z', dataTransferredOut: { bytes: 50, since: MONTH_START }, backups: { count: 2, totalBytes: 3 * GIB } },
    });
    // One read of the profiles of every customer with a server, before anything is written.
    expect(profileSummaries.mock.calls.map(([customerIds]) => [...customerIds].sort())).toEqual([['a', 'b']]);
  });

  it('leaves out every figure not known yet: no disk datapoint, no NetworkOut this month, a snapshot size EC2 has not reported', async () => {
    fleet([instance('a', 'i-a', 'pending')], [snapshot('a', 2 * GIB), { ...snapshot('a'), SnapshotId: 'snap-unsized' }], [profile('a', 'provisioning')]);
    metricData({});

    await collectUsage(NOW);

    expect(written()).toEqual({ a: { measuredAt: '2030-03-10T12:00:00.000Z', backups: { count: 2 } } });
  });

  it('asks CloudWatch in calls of at most 500 queries (disk over the last 6 hours, NetworkOut by day since the month began)', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `c${i}`);
    fleet(ids.map((id) => instance(id, `i-${id}`)), [], ids.map((id) => profile(id)));
    metricData({ 'i-c500': { disk: [GIB], network: [7] } });

    await expect(collectUsage(NOW)).resolves.toMatchObject({ measured: 501 });

    const calls = cloudWatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.MetricDataQueries!.length).sort((x, y) => x - y)).toEqual([1, 1, 500, 500]);
    const disk = calls.filter((input) => input.MetricDataQueries![0].Id!.startsWith('d'));
    const network = calls.filter((input) => input.MetricDataQueries![0].Id!.startsWith('n'));
    expect(disk[0]).toMatchObject({ StartTime: new Date(NOW - 6 * 3600_000), EndTime: new Date(NOW) });
    expect(disk[0].MetricDataQueries![0].MetricStat).toMatchObject({
      Metric: { Namespace: 'StackPro/CustomerInstances', MetricName: 'disk_used', Dimensions: [{ Name: 'InstanceId', Value: 'i-c0' }] },
      Stat: 'Average',
    });
    expect(network[0]).toMatchObject({ StartTime: new Date(MONTH_START), EndTime: new Date(NOW) });
    expect(network[0].MetricDataQueries![0].MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/EC2', MetricName: 'NetworkOut' }, Stat: 'Sum', Period: 86_400 });
    expect(written().c500).toMatchObject({ diskUsedBytes: GIB, dataTransferredOut: { bytes: 7 } });
  });

  it('follows NextToken when one query spans pages, and takes the newest disk datapoint', async () => {
    fleet([instance('a', 'i-a')], [], [profile('a')]);
    const diskPages = [
      { MetricDataResults: [{ Id: 'd0', Values: [3], Timestamps: [new Date(NOW - 600_000)] }], NextToken: 'more' },
      { MetricDataResults: [{ Id: 'd0', Values: [4], Timestamps: [new Date(NOW - 300_000)] }] },
    ];
    cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) =>
      input.MetricDataQueries![0].Id === 'd0'
        ? diskPages[input.NextToken === 'more' ? 1 : 0]
        : { MetricDataResults: [{ Id: 'n0', Values: [1, 2], Timestamps: [new Date(NOW), new Date(NOW - 86_400_000)] }] },
    );

    await collectUsage(NOW);

    expect(written().a).toMatchObject({ diskUsedBytes: 4, dataTransferredOut: { bytes: 3 } });
  });

  it("measures a customer's running server when it has two (an older attempt's, stopped), and never writes for an instance without a customer profile", async () => {
    fleet([instance('a', 'i-old', 'stopped', '2030-03-09T00:00:00Z'), instance('a', 'i-new'), instance('gone', 'i-gone')], [], [profile('a')]);
    metricData({ 'i-new': { disk: [GIB] }, 'i-old': { disk: [9 * GIB] } });

    await expect(collectUsage(NOW)).resolves.toMatchObject({ instances: 2, measured: 1, orphaned: 1 });

    expect(Object.keys(written())).toEqual(['a']);
    expect(written().a.diskUsedBytes).toBe(GIB);
  });

  it('keeps a newer measurement: a late or overlapping run is counted stale, not an error', async () => {
    fleet([instance('a', 'i-a')], [], [profile('a')]);
    metricData({});
    putUsage.mockResolvedValue(false);

    await expect(collectUsage(NOW)).resolves.toMatchObject({ measured: 0, stale: 1 });
  });

  it('fails the run, writing nothing, when the profiles cannot be read (the schedule runs it again)', async () => {
    fleet([instance('a', 'i-a')], [], [profile('a')]);
    metricData({});
    profileSummaries.mockRejectedValueOnce(new Error('BatchGetItem left 1 profiles unprocessed'));

    await expect(collectUsage(NOW)).rejects.toThrow('unprocessed');
    expect(putUsage).not.toHaveBeenCalled();
  });

  it('publishes the dashboard gauges: active customers per plan (zeros too) and provisionings in flight', async () => {
    fleet([instance('a', 'i-a'), instance('b', 'i-b'), instance('c', 'i-c')], [], [profile('a'), profile('b', 'active', 'business'), profile('c', 'suspended')]);
    metricData({});
    sfn.on(ListExecutionsCommand).resolvesOnce({ executions: [{} as never, {} as never], nextToken: 't' }).resolves({ executions: [{} as never] });
    const gauges: Record<string, number> = {};
    jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const dimensions: Record<string, string> = {};
      const single = {
        addDimension: (name: string, value: string) => ((dimensions[name] = value), single),
        addMetric: (name: string, _unit: string, value: number) => void (gauges[`${name}:${dimensions.plan}`] = value),
      };
      return single as never;
    });
    const added = jest.spyOn(metrics, 'addMetric');

    await collectUsage(NOW);

    expect(gauges).toEqual({ 'ActiveCustomers:starter': 1, 'ActiveCustomers:business': 1, 'ActiveCustomers:enterprise': 0 });
    expect(added).toHaveBeenCalledWith('ProvisioningsInFlight', 'Count', 3);
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toMatchObject({ statusFilter: 'RUNNING', stateMachineArn: process.env.PROVISIONING_STATE_MACHINE_ARN });
    jest.restoreAllMocks();
  });

  it('runs for the scheduled time of the EventBridge event, and refuses an event without one', async () => {
    fleet([instance('a', 'i-a')], [], [profile('a')]);
    metricData({});

    await handler({ time: '2030-04-02T00:15:00Z' }, {} as never);
    await expect(handler({ time: 'soon' } as never, {} as never)).rejects.toThrow();

    expect(written().a).toMatchObject({ measuredAt: '2030-04-02T00:15:00.000Z' });
  });
});
