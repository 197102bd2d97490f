import { bearerToken, postVisitorMessage, visitorOf } from '../messaging/widget-chat';
import { headerValue } from './headers';
import { parseJsonBody } from './validation';
import { WidgetMessageBody } from './widget-schemas';
import { widgetRoute } from './widget-route';

/** POST /widget/{publicKey}/messages {text, clientMessageId?}: the visitor writes; 201 with the message (the same for a repeated clientMessageId). */
export const handler = widgetRoute(async ({ event, widget }) => {
  const visitor = await visitorOf(widget.customerId, bearerToken(headerValue(event.headers, 'authorization')));
  const { text, clientMessageId } = parseJsonBody(event, WidgetMessageBody);
  return { statusCode: 201, body: await postVisitorMessage(visitor, text, clientMessageId) };
});
