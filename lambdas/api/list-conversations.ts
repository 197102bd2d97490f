import { conversationPage, conversationsWithContact } from '../messaging/inbox';
import { ListConversationsQuery } from './messaging-schemas';
import { messagingRoute } from './messaging-route';
import { parseQuery } from './validation';

/** GET /messaging/conversations?status&channel&cursor&contact: the caller's inbox, most recent activity first. */
export const handler = messagingRoute(async ({ event, customer }) => {
  const { cursor, contact, ...filter } = parseQuery(event, ListConversationsQuery);
  const body = contact === undefined ? await conversationPage(customer.customerId, filter, cursor) : await conversationsWithContact(customer.customerId, contact, filter);
  return { statusCode: 200, body };
});
