import { z } from 'zod';
import { logger } from '../observability';
import { failRunningSteps } from '../repositories/provisioning-log';
import { failPlanChange } from '../repositories/plan-changes';
import { describeFailure } from '../workflows/failure-messages';
import { workflowStep } from '../workflows/step-kit';
import { ResizeContext } from './resize-input';

const Input = ResizeContext.extend({ error: z.object({ Error: z.string(), Cause: z.string().optional() }) });

/**
 * "Record resize failure" (after the previous type is back): the plan stays what it was, `pendingPlan` is
 * cleared and the reason, in words for the customer, is kept on the change (the status route's
 * `planChangeFailure`); the steps still in progress are marked failed with it.
 */
export const handler = workflowStep('Record resize failure', Input, async ({ customerId, changeId, executionName, error }) => {
  const reason = describeFailure(error, { customerId, executionName, step: 'Record resize failure' });
  await failPlanChange(customerId, changeId, reason);
  await failRunningSteps(customerId, executionName, reason);
  logger.error('Resize failed', { customerId, executionName, errorName: error.Error });
  return { output: { reason }, status: 'failed', message: `Resize failed: ${reason.replace(/\.$/, '')}. The server runs on its previous type.` };
});
