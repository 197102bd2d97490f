import { listDayAggregates } from '../../repositories/analytics';
import { CHANNELS, type Channel } from '../model';
import { buildReport, type AnalyticsReport } from './report';

export interface AnalyticsRange {
  readonly from: string;
  readonly to: string;
  readonly channel?: Channel;
}

/** The caller's analytics for a range of UTC days: one Query per channel of their own aggregates. */
export async function analyticsReport(customerId: string, range: AnalyticsRange): Promise<AnalyticsReport> {
  const aggregates = await listDayAggregates(customerId, range.channel ? [range.channel] : CHANNELS, range.from, range.to);
  return buildReport(range, aggregates);
}
