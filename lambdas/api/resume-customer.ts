import { route } from './http';
import { resourceIdParam } from './validation';
import { resumeByOperator } from '../services/operator-lifecycle';

/**
 * POST /admin/customers/{customerId}/resume (IAM auth): an operator starts a suspended customer's server
 * again and lifts the hold. 202 whether it started now (`changed: true`) or was already resuming or active.
 */
export const handler = route(async ({ event }) => {
  const result = await resumeByOperator(resourceIdParam(event, 'customerId', 'customer'), event.requestContext.identity?.userArn ?? 'unknown');
  return { statusCode: 202, body: result };
});
