import { messagePage } from '../messaging/inbox';
import { ListMessagesQuery } from './messaging-schemas';
import { conversationIdParam, messagingRoute } from './messaging-route';
import { parseQuery } from './validation';

/** GET /messaging/conversations/{conversationId}/messages?cursor: newest first; marks the conversation read. */
export const handler = messagingRoute(async (request) => {
  const conversationId = conversationIdParam(request);
  const { cursor } = parseQuery(request.event, ListMessagesQuery);
  return { statusCode: 200, body: await messagePage(request.customer.customerId, conversationId, cursor) };
});
