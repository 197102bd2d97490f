import { NotFoundError } from '../core/errors';
import { listCustomerBackups } from '../services/customer-backups';
import { verifiedCustomerRoute } from './verified-customer';

/**
 * GET /customers/{customerId}/backups[?cursor=]: the caller's own recovery points, newest first, a page at a
 * time. Anyone else's id answers exactly like an id that does not exist, so ids cannot be probed.
 */
export const handler = verifiedCustomerRoute(async ({ event, customer }) => {
  if (event.pathParameters?.customerId !== customer.customerId) throw new NotFoundError('customer');
  const cursor = event.queryStringParameters?.cursor ?? undefined;
  return { statusCode: 200, body: await listCustomerBackups(customer.customerId, cursor) };
});
