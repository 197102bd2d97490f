import { ValidationError } from '../core/errors';
import { bearerToken, startVisitor } from '../messaging/widget-chat';
import { headerValue } from './headers';
import { widgetRoute } from './widget-route';

/**
 * POST /widget/{publicKey}/visitors: 201 with a new visitor's id and token, or 200 with a fresh token for the
 * returning visitor whose token is in Authorization (same id, same conversation). Takes no body.
 */
export const handler = widgetRoute(async ({ event, widget }) => {
  if ((event.body ?? '').trim() !== '') throw new ValidationError([{ field: 'body', message: 'This route takes no body.' }]);
  const authorization = headerValue(event.headers, 'authorization');
  const presented = authorization === undefined ? undefined : (bearerToken(authorization) ?? '');
  const { session, returning } = await startVisitor(widget.customerId, presented);
  return { statusCode: returning ? 200 : 201, body: session };
});
