import { cancelProvisionedSubscription } from './cancel-provisioned-subscription';
import { StepContext, workflowStep } from '../workflows/step-kit';

/**
 * Rollback "Cancel subscription": a customer whose stack could not be built must never be charged. Gone
 * already (or never made) is success; the Stripe customer is kept for the record.
 */
export const handler = workflowStep(StepContext, async ({ customerId }) => {
  const subscriptionId = await cancelProvisionedSubscription(customerId);
  if (!subscriptionId) return { output: { cancelled: false }, message: 'No subscription to cancel' };
  return { output: { cancelled: true }, message: `Cancelled subscription ${subscriptionId}` };
});
