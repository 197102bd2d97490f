import { AwsServiceError, awsJsonService, epochSeconds } from '../edge/aws-json';
import type { EdgeRequest, EdgeResponse } from '../edge/edge-service';
import { INSTANCE_METRICS } from '../../lambdas/core/metric-names';
import type { SandboxClock } from './clock';
import type { Ec2Model, StoredInstance } from './ec2';
import type { FaultQueue } from './faults';
import { agentStartedAt, diskUsedBytes, networkOutBytes, runningMs } from './instance-usage';
import type { SandboxService } from './registry';

/** GetMetricData's own limits. */
const MAX_QUERIES = 500;
const MAX_DATAPOINTS = 100_800;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

interface MetricStatInput {
  readonly Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };
  readonly Period?: number;
  readonly Stat?: string;
}

interface QueryInput {
  readonly Id?: string;
  readonly MetricStat?: MetricStatInput;
  readonly Expression?: string;
  readonly ReturnData?: boolean;
}

/**
 * CloudWatch as @aws-sdk/client-cloudwatch 3.11xx speaks it: AWS JSON 1.0 (`X-Amz-Target:
 * GraniteServiceVersion20100801.<Operation>`, signing name `monitoring`) in its awsQuery-compatible form,
 * so errors carry `x-amzn-query-error: <Code>;Sender` besides `__type`. Serves GetMetricData from the
 * EC2 model: the agent's `disk_used` and EC2's `NetworkOut` per InstanceId, as local/sandbox/instance-usage.ts
 * models them. Any other metric has no datapoints, as in an account that never published it.
 */
export function cloudWatchSandboxService(model: Ec2Model, clock: SandboxClock, queue: FaultQueue): SandboxService {
  const faults = queue.forService('cloudwatch');
  const operations = {
    GetMetricData: (input: Record<string, unknown>) => getMetricData(model, clock, input),
  };
  const json = awsJsonService({
    targetPrefix: 'GraniteServiceVersion20100801',
    jsonVersion: '1.0',
    beforeOperation: (operation) => faults.raise(operation),
    operations,
  });
  return {
    name: 'cloudwatch',
    signingName: 'monitoring',
    edge: {
      async handle(request: EdgeRequest): Promise<EdgeResponse> {
        const response = await json.handle(request);
        if (response.statusCode < 400) return response;
        return queryCompatibleError(response);
      },
    },
    actions: Object.keys(operations),
    errorStatus: { LimitExceeded: 400, InternalServiceError: 500 },
    // Metrics are derived from the instances: nothing of CloudWatch's own to list or forget.
    inventory: {},
    reset: () => undefined,
  };
}

/** `__type` as the SDK's error shape and the awsQuery code in `x-amzn-query-error`, as CloudWatch answers. */
function queryCompatibleError(response: EdgeResponse): EdgeResponse {
  const body = JSON.parse(response.body) as { __type?: string; message?: string };
  const code = (body.__type ?? 'InternalServiceError').replace(/Exception$/, '');
  const fault = response.statusCode >= 500 ? 'Receiver' : 'Sender';
  return {
    ...response,
    headers: { ...response.headers, 'x-amzn-query-error': `${code};${fault}` },
    body: JSON.stringify({ __type: `com.amazonaws.cloudwatch#${shapeOf(code)}`, message: body.message }),
  };
}

/** The SDK's exception shape for an awsQuery code: `InvalidParameterValue` -> `InvalidParameterValueException`. */
function shapeOf(code: string): string {
  const shapes: Record<string, string> = {
    InvalidParameterValue: 'InvalidParameterValueException',
    InvalidParameterCombination: 'InvalidParameterCombinationException',
    MissingParameter: 'MissingRequiredParameterException',
    InvalidNextToken: 'InvalidNextToken',
    LimitExceeded: 'LimitExceededException',
  };
  return shapes[code] ?? code;
}

function getMetricData(model: Ec2Model, clock: SandboxClock, input: Record<string, unknown>) {
  const queries = input.MetricDataQueries;
  if (!Array.isArray(queries) || queries.length === 0) throw new AwsServiceError('MissingParameter', 'The parameter MetricDataQueries is required.');
  if (queries.length > MAX_QUERIES) {
    throw new AwsServiceError('InvalidParameterValue', `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  }
  const start = timestamp(input.StartTime, 'StartTime');
  const end = timestamp(input.EndTime, 'EndTime');
  if (start >= end) throw new AwsServiceError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
  const descending = input.ScanBy !== 'TimestampAscending';
  const ids = new Set<string>();
  let datapoints = 0;
  const results = (queries as QueryInput[]).map((query) => {
    const id = query.Id ?? '';
    if (!QUERY_ID.test(id)) throw new AwsServiceError('InvalidParameterValue', `The value ${id} for parameter MetricDataQueries.member.Id is not valid.`);
    if (ids.has(id)) throw new AwsServiceError('InvalidParameterValue', `The value ${id} for parameter MetricDataQueries.member.Id is duplicated.`);
    ids.add(id);
    if (query.Expression !== undefined) {
      throw new AwsServiceError('InvalidParameterValue', 'The local sandbox serves MetricStat queries only, not metric math or Metrics Insights.');
    }
    const stat = query.MetricStat;
    const period = stat?.Period;
    if (!stat?.Metric?.Namespace || !stat.Metric.MetricName || !stat.Stat || period === undefined) {
      throw new AwsServiceError('MissingParameter', `MetricDataQueries ${id}: MetricStat needs Metric (Namespace, MetricName), Period and Stat.`);
    }
    if (!Number.isInteger(period) || period <= 0 || (period % 60 !== 0 && ![1, 5, 10, 20, 30].includes(period))) {
      throw new AwsServiceError('InvalidParameterValue', `MetricDataQueries ${id}: the Period must be 1, 5, 10, 20, 30 or a multiple of 60.`);
    }
    const points = series(model, clock, stat, period, start, end);
    datapoints += points.length;
    if (descending) points.reverse();
    return {
      Id: id,
      Label: stat.Metric.MetricName,
      Timestamps: points.map(([at]) => epochSeconds(at)),
      Values: points.map(([, value]) => value),
      StatusCode: 'Complete',
    };
  });
  if (datapoints > MAX_DATAPOINTS) {
    throw new AwsServiceError('InvalidParameterCombination', `You have requested up to ${datapoints} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}.`);
  }
  return { MetricDataResults: results.filter((_, index) => (queries as QueryInput[])[index].ReturnData !== false), Messages: [] };
}

/** The datapoints of one metric statistic, oldest first, one per period bucket in which there was data. */
function series(model: Ec2Model, clock: SandboxClock, stat: MetricStatInput, period: number, start: number, end: number): Array<[number, number]> {
  const metric = stat.Metric ?? {};
  const dimensions = metric.Dimensions ?? [];
  const instanceId = dimensions.length === 1 && dimensions[0].Name === INSTANCE_METRICS.dimension ? dimensions[0].Value : undefined;
  const instance = instanceId === undefined ? undefined : model.find(instanceId);
  if (!instance) return [];
  const periodMs = period * 1000;
  const points: Array<[number, number]> = [];
  for (let bucket = Math.floor(start / periodMs) * periodMs; bucket < end; bucket += periodMs) {
    const from = Math.max(bucket, start);
    const to = Math.min(bucket + periodMs, end, clock.now());
    if (to <= from) continue;
    const value = pointOf(instance, metric, stat.Stat ?? '', from, to, clock);
    if (value !== undefined) points.push([bucket, value]);
  }
  return points;
}

/** One bucket's value, or undefined when nothing was published in it (the server was not running). */
function pointOf(instance: StoredInstance, metric: NonNullable<MetricStatInput['Metric']>, stat: string, from: number, to: number, clock: SandboxClock) {
  const ran = runningMs(instance, from, to);
  if (ran <= 0) return undefined;
  if (metric.Namespace === INSTANCE_METRICS.namespace) {
    const agentFrom = agentStartedAt(instance, clock);
    if (agentFrom === undefined || agentFrom >= to) return undefined;
    return metric.MetricName === INSTANCE_METRICS.diskUsed ? diskUsedBytes(instance, to, clock) : undefined;
  }
  if (metric.Namespace === INSTANCE_METRICS.ec2Namespace && metric.MetricName === INSTANCE_METRICS.networkOut) {
    const bytes = networkOutBytes(instance, from, to, clock);
    // Basic monitoring: one sample per 5 minutes, each the bytes sent in it.
    const samples = Math.max(1, Math.ceil(ran / 300_000));
    if (stat === 'Sum') return bytes;
    if (stat === 'SampleCount') return samples;
    return bytes / samples;
  }
  return undefined;
}

function timestamp(value: unknown, member: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AwsServiceError('MissingParameter', `The parameter ${member} is required.`);
  return value * 1000;
}
