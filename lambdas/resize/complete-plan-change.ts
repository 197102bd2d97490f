import { PLANS } from '../core/plans';
import { isTransient } from '../core/transient-errors';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { completePlanChange } from '../repositories/plan-changes';
import { sendCustomerEmail } from '../notifications/customer-email';
import { workflowStep } from '../workflows/step-kit';
import { CustomerNotFoundError } from './errors';
import { ResizeContext } from './resize-input';

/**
 * "Complete plan change": the account is on the new plan (`pendingPlan` cleared), and the customer is
 * emailed once per change (the execution name is the dedupe key). A repeat changes and sends nothing. Once
 * the plan has moved the resize is delivered: an email SES refuses for good is logged, not a resize failure
 * (which would put the type back under a plan that says otherwise); a transient failure is retried.
 */
export const handler = workflowStep(ResizeContext, async ({ customerId, changeId, toPlan, executionName }) => {
  const moved = await completePlanChange(customerId, changeId, new Date().toISOString());
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  let emailed = true;
  try {
    await sendCustomerEmail(customer, 'plan_changed', { dedupeKey: executionName, plan: toPlan });
  } catch (error) {
    if (isTransient(error)) throw error;
    emailed = false;
    logger.error('Plan change email not sent', { customerId, executionName, errorName: (error as Error).name });
  }
  return {
    output: { plan: toPlan },
    message: `${moved ? 'Now' : 'Already'} on ${toPlan} (${PLANS[toPlan].instanceType}, ${PLANS[toPlan].volumeGb} GiB)${emailed ? '' : '; the email could not be sent'}`,
  };
});
