import { bearerToken, visitorHistory, visitorOf } from '../messaging/widget-chat';
import { headerValue } from './headers';
import { parseQuery } from './validation';
import { WidgetMessagesQuery } from './widget-schemas';
import { widgetRoute } from './widget-route';

/** GET /widget/{publicKey}/messages?cursor: the visitor's own conversation, newest first (empty before its first message). */
export const handler = widgetRoute(async ({ event, widget }) => {
  const visitor = await visitorOf(widget.customerId, bearerToken(headerValue(event.headers, 'authorization')));
  const { cursor } = parseQuery(event, WidgetMessagesQuery);
  return { statusCode: 200, body: await visitorHistory(visitor, cursor) };
});
