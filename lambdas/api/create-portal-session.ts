import { route } from './http';
import { UnauthorizedError } from '../core/errors';
import { createPortalSession } from '../services/billing-sessions';

/** POST /billing/portal-session: for the caller's own account only (the id comes from the access token). */
export const handler = route(async ({ event }) => {
  const customerId = event.requestContext.authorizer?.customerId as string | undefined;
  if (!customerId) throw new UnauthorizedError();
  return { statusCode: 200, body: await createPortalSession(customerId) };
});
