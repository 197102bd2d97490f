import { StepContext, workflowStep } from '../workflows/step-kit';
import { terminateCustomerInstances } from './rollback';

/**
 * Rollback "Terminate instance": finds the customer's instances by their Customer tag, so one whose
 * launch result was lost is found too, and terminates every one that is not already going away.
 */
export const handler = workflowStep(StepContext, async ({ customerId }) => {
  const terminated = await terminateCustomerInstances(customerId);
  return { output: { terminated }, message: `Terminated ${terminated.length} instance(s)` };
});
