import { changeStatus } from '../messaging/inbox';
import { conversationIdParam, messagingRoute } from './messaging-route';

/** POST /messaging/conversations/{conversationId}/resolve: 200 with the conversation (again: the same). */
export const handler = messagingRoute(async (request) => ({
  statusCode: 200,
  body: await changeStatus(request.customer.customerId, conversationIdParam(request), 'resolved'),
}));
