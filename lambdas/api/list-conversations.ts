import { conversationPage } from '../messaging/inbox';
import { ListConversationsQuery } from './messaging-schemas';
import { messagingRoute } from './messaging-route';
import { parseQuery } from './validation';

/** GET /messaging/conversations?status&channel&cursor: the caller's inbox, most recent activity first. */
export const handler = messagingRoute(async ({ event, customer }) => {
  const { cursor, ...filter } = parseQuery(event, ListConversationsQuery);
  return { statusCode: 200, body: await conversationPage(customer.customerId, filter, cursor) };
});
