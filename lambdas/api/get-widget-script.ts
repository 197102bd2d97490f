import { widgetOwner } from '../messaging/widget-chat';
import { WIDGET_SCRIPT } from '../messaging/widget-script';
import { route } from './http';

/**
 * GET /widget/{publicKey}/widget.js: the widget's script, for a key that is ours (404 otherwise). A script tag
 * sends no Origin, so the allowlist is enforced by the routes the script calls, not here.
 */
export const handler = route(async ({ event }) => {
  await widgetOwner(event.pathParameters?.publicKey);
  return {
    statusCode: 200,
    text: WIDGET_SCRIPT,
    headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' },
  };
});
