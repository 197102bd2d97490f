import { getStripe } from '../clients/stripe';
import { getCustomer } from '../repositories/accounts';
import { saveBillingSnapshot } from '../repositories/billing';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { snapshotOf } from './stripe-snapshot';

/**
 * Rollback "Cancel subscription": a customer whose stack could not be built must never be charged. Gone
 * already (or never made) is success; the Stripe customer is kept for the record.
 */
export const handler = workflowStep('Roll back', StepContext, async ({ customerId }) => {
  const billing = (await getCustomer(customerId))?.billing;
  const subscriptionId = billing?.subscriptionStatus === 'canceled' ? undefined : billing?.subscriptionId;
  if (!subscriptionId) return { output: { cancelled: false }, message: 'No subscription to cancel' };
  const stripe = await getStripe();
  try {
    const cancelled = await stripe.subscriptions.cancel(subscriptionId);
    await saveBillingSnapshot(customerId, snapshotOf(cancelled, Date.now()));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'resource_missing') throw error;
  }
  return { output: { cancelled: true }, message: `Cancelled subscription ${subscriptionId}` };
});
