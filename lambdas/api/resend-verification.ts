import { route } from './http';
import { UnauthorizedError } from '../core/errors';
import { resendVerification } from '../services/resend-verification';

/** POST /auth/resend-verification (bearer): a new verification link for the caller's own account. 202: it is on its way. */
export const handler = route(async ({ event }) => {
  const customerId = event.requestContext.authorizer?.customerId as string | undefined;
  if (!customerId) throw new UnauthorizedError();
  await resendVerification(customerId);
  return { statusCode: 202, body: { status: 'pending_verification' } };
});
