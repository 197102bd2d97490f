import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { cloudWatch } from '../clients/cloudwatch';

/** GetMetricData takes at most 500 queries per call. */
export const METRIC_QUERIES_PER_CALL = 500;

/** One metric statistic to read, by an id unique within the request (`^[a-z][a-zA-Z0-9_]*$`). */
export interface MetricQuery {
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: 'Average' | 'Maximum' | 'Sum';
  /** Seconds, a multiple of 60 (of 300 when the window starts more than 15 days ago). */
  readonly period: number;
}

/** A query's datapoints, newest first. Empty when CloudWatch holds none in the window. */
export interface MetricSeries {
  readonly timestamps: readonly Date[];
  readonly values: readonly number[];
}

/**
 * Reads every query over one window, 500 queries per GetMetricData call, following NextToken (a query's
 * datapoints may span pages). Returns a series per query id; a query CloudWatch had nothing for is empty.
 */
export async function readMetricSeries(queries: readonly MetricQuery[], window: { start: Date; end: Date }): Promise<Map<string, MetricSeries>> {
  const series = new Map<string, { timestamps: Date[]; values: number[] }>();
  for (const query of queries) series.set(query.id, { timestamps: [], values: [] });
  for (let start = 0; start < queries.length; start += METRIC_QUERIES_PER_CALL) {
    const MetricDataQueries: MetricDataQuery[] = queries.slice(start, start + METRIC_QUERIES_PER_CALL).map((query) => ({
      Id: query.id,
      MetricStat: {
        Metric: {
          Namespace: query.namespace,
          MetricName: query.metricName,
          Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: query.period,
        Stat: query.stat,
      },
      ReturnData: true,
    }));
    let NextToken: string | undefined;
    do {
      const page = await cloudWatch.send(
        new GetMetricDataCommand({ MetricDataQueries, StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampDescending', NextToken }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const target = result.Id === undefined ? undefined : series.get(result.Id);
        if (!target) continue;
        target.timestamps.push(...(result.Timestamps ?? []));
        target.values.push(...(result.Values ?? []));
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return series;
}
