import { channelsView } from '../messaging/channels-view';
import { messagingRoute } from './messaging-route';

/** GET /messaging/channels: the account's SMS and WhatsApp numbers and widget key. */
export const handler = messagingRoute(async ({ customer }) => ({ statusCode: 200, body: await channelsView(customer.customerId) }));
