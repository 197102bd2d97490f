import { updateDetails } from '../messaging/inbox';
import { UpdateConversationBody } from './messaging-schemas';
import { conversationIdParam, messagingJsonRoute } from './messaging-route';

/** PATCH /messaging/conversations/{conversationId} {assignee?, labels?}: 200 with the conversation. */
export const handler = messagingJsonRoute(UpdateConversationBody, async (request) => ({
  statusCode: 200,
  body: await updateDetails(request.customer.customerId, conversationIdParam(request), request.json),
}));
