import { changeStatus } from '../messaging/inbox';
import { conversationIdParam, messagingRoute } from './messaging-route';

/** POST /messaging/conversations/{conversationId}/reopen: 200 with the conversation, open again. */
export const handler = messagingRoute(async (request) => ({
  statusCode: 200,
  body: await changeStatus(request.customer.customerId, conversationIdParam(request), 'open'),
}));
