import { headerValue } from './headers';
import { addResponseHeaders, route, type HttpRequest, type HttpResult } from './http';
import { openWidget, type OpenWidget } from '../messaging/widget-chat';

export interface WidgetRequest extends HttpRequest<undefined> {
  readonly widget: OpenWidget;
}

/**
 * A visitor's widget route (public: the widget key in the path, the visitor token in Authorization). The key,
 * the page's origin and the account are checked before anything else; once the origin is allowed, every
 * answer (errors too) carries CORS for it, and no other origin ever gets one.
 */
export function widgetRoute(fn: (request: WidgetRequest) => Promise<HttpResult>) {
  return route(async (request) => {
    const { event } = request;
    const widget = await openWidget(event.pathParameters?.publicKey, headerValue(event.headers, 'origin'), (origin) =>
      addResponseHeaders(event, { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' }),
    );
    return fn({ ...request, widget });
  });
}
