import { setAllowedOrigins } from '../messaging/widget-settings-view';
import { messagingJsonRoute } from './messaging-route';
import { WidgetSettingsBody } from './widget-schemas';

/** PUT /messaging/widget {allowedOrigins}: replaces the pages the widget answers (duplicates kept once). */
export const handler = messagingJsonRoute(WidgetSettingsBody, async ({ customer, json }) => ({
  statusCode: 200,
  body: await setAllowedOrigins(customer.customerId, [...new Set(json.allowedOrigins)]),
}));
