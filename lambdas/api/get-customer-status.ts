import { route } from './http';
import { NotFoundError } from '../core/errors';
import { customerStatus } from '../services/customer-status';

/**
 * GET /customers/{customerId}/status: the caller's own account only. Asking for anyone else's answers
 * exactly like an id that does not exist, so ids cannot be probed.
 */
export const handler = route(async ({ event }) => {
  const requested = event.pathParameters?.customerId;
  const caller = event.requestContext.authorizer?.customerId as string | undefined;
  if (!requested || !caller || requested !== caller) throw new NotFoundError('customer');
  return { statusCode: 200, body: await customerStatus(requested) };
});
