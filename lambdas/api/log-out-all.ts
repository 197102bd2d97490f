import { route } from './http';
import { UnauthorizedError } from '../core/errors';
import { logger } from '../observability';
import { revokeAllSessions } from '../repositories/sessions';

/** POST /auth/logout-all (bearer): ends every session of the caller's own account; 204. */
export const handler = route(async ({ event }) => {
  const customerId = event.requestContext.authorizer?.customerId as string | undefined;
  if (!customerId) throw new UnauthorizedError();
  const revoked = await revokeAllSessions(customerId, Date.now());
  logger.info('Logged out everywhere', { customerId, sessionsRevoked: revoked });
  return { statusCode: 204 };
});
