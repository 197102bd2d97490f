import { analyticsReport } from '../messaging/analytics/read-analytics';
import { toCsv } from '../messaging/analytics/report';
import { AnalyticsQuery } from './messaging-schemas';
import { messagingRoute } from './messaging-route';
import { parseQuery } from './validation';

/** GET /messaging/analytics.csv?from&to&channel: the same rows as CSV, to download (errors stay JSON). */
export const handler = messagingRoute(async ({ event, customer }) => {
  const range = parseQuery(event, AnalyticsQuery);
  const report = await analyticsReport(customer.customerId, range);
  const filename = `messaging-analytics-${range.from}-to-${range.to}${range.channel ? `-${range.channel}` : ''}.csv`;
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'text/csv; charset=utf-8; header=present', 'Content-Disposition': `attachment; filename="${filename}"` },
    text: toCsv(report),
  };
});
