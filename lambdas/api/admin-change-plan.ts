import { changePlan } from '../billing/change-plan';
import { logger } from '../observability';
import { route } from './http';
import { ChangePlanBody } from './schemas';
import { parseJsonBody, resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/plan (IAM auth): an operator moves a customer to `plan`, exactly as
 * the customer's own POST /billing/plan does (Stripe's prorated price change, then the resize it confirms;
 * the same refusals: 409 PLAN_IN_USE, PLAN_CHANGE_PENDING, ...). 202 with the plan pending. A malformed id
 * is the 404 of an unknown customer before the body is read.
 */
export const handler = route(async ({ event }) => {
  const customerId = resourceIdParam(event, 'customerId', 'customer');
  const { plan } = parseJsonBody(event, ChangePlanBody);
  const result = await changePlan(customerId, plan);
  logger.info('Plan change by an operator', { customerId, plan, operator: event.requestContext.identity?.userArn ?? 'unknown' });
  return { statusCode: 202, body: result };
});
