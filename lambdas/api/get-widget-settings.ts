import { widgetView } from '../messaging/widget-settings-view';
import { messagingRoute } from './messaging-route';

/** GET /messaging/widget: the widget's key, script URL and origin allowlist. */
export const handler = messagingRoute(async ({ customer }) => ({ statusCode: 200, body: await widgetView(customer.customerId) }));
