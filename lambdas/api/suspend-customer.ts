import { route } from './http';
import { resourceIdParam } from './validation';
import { suspendByOperator } from '../services/operator-lifecycle';

/**
 * POST /admin/customers/{customerId}/suspend (IAM auth): an operator stops the customer's server, data
 * kept; Stripe's events do not resume it until an operator does. 202 whether it started now (`changed: true`) or already was (`changed: false`).
 */
export const handler = route(async ({ event }) => {
  const result = await suspendByOperator(resourceIdParam(event, 'customerId', 'customer'), event.requestContext.identity?.userArn ?? 'unknown');
  return { statusCode: 202, body: result };
});
