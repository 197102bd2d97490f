import { changePlan } from '../billing/change-plan';
import { NotFoundError } from '../core/errors';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { route } from './http';
import { ChangePlanBody } from './schemas';
import { parseJsonBody, resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/plan (IAM auth): an operator moves a customer to `plan`, exactly as
 * the customer's own POST /billing/plan does (Stripe's prorated price change, then the resize it confirms;
 * the same refusals: 409 PLAN_IN_USE, PLAN_CHANGE_PENDING, ...). 202 with the plan pending. An unknown (or
 * malformed) customer id is a 404 before the body is read, as on the other admin routes.
 */
export const handler = route(async ({ event }) => {
  const customerId = resourceIdParam(event, 'customerId', 'customer');
  if (!(await getCustomer(customerId))) throw new NotFoundError('customer');
  const { plan } = parseJsonBody(event, ChangePlanBody);
  const result = await changePlan(customerId, plan);
  logger.info('Plan change by an operator', { customerId, plan, operator: event.requestContext.identity?.userArn ?? 'unknown' });
  return { statusCode: 202, body: result };
});
