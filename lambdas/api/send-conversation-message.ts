import { sendReply } from '../messaging/send-reply';
import { headerValue } from './headers';
import { SendMessageBody } from './messaging-schemas';
import { conversationIdParam, messagingJsonRoute } from './messaging-route';
import { ValidationError } from '../core/errors';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * POST /messaging/conversations/{conversationId}/messages {text} or {template}: a reply on the
 * conversation's channel, 201 with the message. An Idempotency-Key header makes a retry answer the first
 * message instead of sending another.
 */
export const handler = messagingJsonRoute(SendMessageBody, async (request) => {
  const conversationId = conversationIdParam(request);
  const idempotencyKey = headerValue(request.event.headers, 'idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ValidationError([{ field: 'Idempotency-Key', message: 'Up to 128 letters, digits and _ . : -' }]);
  }
  const content = request.json.template ? { template: request.json.template } : { text: request.json.text ?? '' };
  const message = await sendReply(request.customer, conversationId, { content, idempotencyKey });
  return { statusCode: 201, body: message };
});
