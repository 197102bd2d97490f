import type { Channel } from '../model';
import { mergeHistograms, summarize, type DurationSummary, type Histogram } from './histogram';

/** One customer's aggregate for one UTC day and channel, as stored (repositories/analytics.ts). */
export interface DayAggregate {
  readonly date: string;
  readonly channel: Channel;
  readonly incoming: number;
  readonly outgoing: number;
  readonly opened: number;
  readonly resolved: number;
  readonly firstResponse: Histogram;
  readonly resolution: Histogram;
}

export interface AnalyticsTotals {
  readonly incoming: number;
  readonly outgoing: number;
  readonly opened: number;
  readonly resolved: number;
  readonly firstResponse: DurationSummary;
  readonly resolution: DurationSummary;
}

export interface AnalyticsRow extends AnalyticsTotals {
  readonly date: string;
  readonly channel: Channel;
}

export interface AnalyticsReport {
  readonly from: string;
  readonly to: string;
  readonly channel?: Channel;
  /** Days with activity only, by date then channel. */
  readonly rows: AnalyticsRow[];
  /** The whole range: counts summed, percentiles over every value of the range (histograms merged). */
  readonly totals: AnalyticsTotals;
}

function totalsOf(aggregates: readonly DayAggregate[]): AnalyticsTotals {
  const sum = (pick: (aggregate: DayAggregate) => number) => aggregates.reduce((total, aggregate) => total + pick(aggregate), 0);
  return {
    incoming: sum((a) => a.incoming),
    outgoing: sum((a) => a.outgoing),
    opened: sum((a) => a.opened),
    resolved: sum((a) => a.resolved),
    firstResponse: summarize(mergeHistograms(aggregates.map((a) => a.firstResponse))),
    resolution: summarize(mergeHistograms(aggregates.map((a) => a.resolution))),
  };
}

export function buildReport(query: { from: string; to: string; channel?: Channel }, aggregates: readonly DayAggregate[]): AnalyticsReport {
  const sorted = [...aggregates].sort((x, y) => x.date.localeCompare(y.date) || x.channel.localeCompare(y.channel));
  return {
    from: query.from,
    to: query.to,
    ...(query.channel ? { channel: query.channel } : {}),
    rows: sorted.map((aggregate) => ({ date: aggregate.date, channel: aggregate.channel, ...totalsOf([aggregate]) })),
    totals: totalsOf(sorted),
  };
}

const CSV_COLUMNS: readonly [string, (row: AnalyticsRow) => string | number | undefined][] = [
  ['date', (row) => row.date],
  ['channel', (row) => row.channel],
  ['incoming', (row) => row.incoming],
  ['outgoing', (row) => row.outgoing],
  ['opened', (row) => row.opened],
  ['resolved', (row) => row.resolved],
  ['first_response_count', (row) => row.firstResponse.count],
  ['first_response_median_seconds', (row) => row.firstResponse.medianSeconds],
  ['first_response_p90_seconds', (row) => row.firstResponse.p90Seconds],
  ['resolution_count', (row) => row.resolution.count],
  ['resolution_median_seconds', (row) => row.resolution.medianSeconds],
  ['resolution_p90_seconds', (row) => row.resolution.p90Seconds],
];

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(value: string | number | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report's rows as RFC 4180 CSV: a header row, CRLF line ends, empty cells for percentiles of no values. */
export function toCsv(report: AnalyticsReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => csvField(name)).join(','), ...report.rows.map((row) => CSV_COLUMNS.map(([, pick]) => csvField(pick(row))).join(','))];
  return lines.map((line) => `${line}\r\n`).join('');
}
