import * as z from 'zod/mini';
import { logger } from '../observability';
import { failRunningSteps } from '../repositories/provisioning-log';
import { failPlanChange } from '../repositories/plan-changes';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, workflowStep } from '../workflows/step-kit';
import { ResizeContext } from './resize-input';

/** `price`: what "Put back previous price" answered (`restored`), or its own failure. */
const Input = z.extend(ResizeContext, { error: CaughtError, price: z.union([z.object({ restored: z.boolean() }), CaughtError]) });

/**
 * "Record resize failure" (after the previous type and price are back): the plan stays what it was,
 * `pendingPlan` is cleared and the reason, in words for the customer, is kept on the change (the status
 * route's `planChangeFailure`); the steps still in progress are marked failed with it. A price that could
 * not be put back is logged for operators (the execution ends failed, which alarms) and said in the step log.
 */
export const handler = workflowStep(Input, async ({ customerId, changeId, executionName, error, price }) => {
  const reason = describeFailure(error, { customerId, executionName, step: 'Record resize failure' });
  await failPlanChange(customerId, changeId, reason);
  await failRunningSteps(customerId, executionName, reason);
  const priceBack = 'restored' in price;
  logger.error('Resize failed', { customerId, executionName, errorName: error.Error, priceRestored: priceBack, priceError: priceBack ? undefined : price.Error });
  const billing = priceBack ? 'the subscription on its previous price' : 'the subscription price still to be put back by our team';
  return { output: { reason }, status: 'failed', message: `Resize failed: ${reason.replace(/\.$/, '')}. The server runs on its previous type, ${billing}.` };
});
