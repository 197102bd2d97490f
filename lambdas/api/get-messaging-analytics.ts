import { analyticsReport } from '../messaging/analytics/read-analytics';
import { AnalyticsQuery } from './messaging-schemas';
import { messagingRoute } from './messaging-route';
import { parseQuery } from './validation';

/** GET /messaging/analytics?from&to&channel: per-day, per-channel rows and the range's totals. */
export const handler = messagingRoute(async ({ event, customer }) => ({
  statusCode: 200,
  body: await analyticsReport(customer.customerId, parseQuery(event, AnalyticsQuery)),
}));
