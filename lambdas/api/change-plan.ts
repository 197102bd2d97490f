import { ChangePlanBody } from './schemas';
import { verifiedCustomerJsonRoute } from './verified-customer';
import { changePlan } from '../billing/change-plan';

/**
 * POST /billing/plan: the caller's own account (the id comes from the access token) moves to `plan`; 202
 * while the change is pending (Stripe's confirmation starts the resize, which then moves `plan`).
 */
export const handler = verifiedCustomerJsonRoute(ChangePlanBody, async ({ customer, parsed }) => ({
  statusCode: 202,
  body: await changePlan(customer.customerId, parsed.plan),
}));
