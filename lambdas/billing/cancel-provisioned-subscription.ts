import { getStripe } from '../clients/stripe';
import { getCustomer } from '../repositories/accounts';
import { saveBillingSnapshot } from '../repositories/billing';
import { snapshotOf } from './stripe-snapshot';

/**
 * Cancels the customer's Stripe subscription, so a customer whose stack failed is never charged; returns the
 * id cancelled. Shared by the rollback step (billing/cancel-subscription.ts) and the clean-up after a stopped
 * execution (workflows/stopped-executions.ts). Idempotent: nothing to cancel, or already gone, is success.
 */
export async function cancelProvisionedSubscription(customerId: string): Promise<string | undefined> {
  const billing = (await getCustomer(customerId))?.billing;
  const subscriptionId = billing?.subscriptionStatus === 'canceled' ? undefined : billing?.subscriptionId;
  if (!subscriptionId) return undefined;
  const stripe = await getStripe();
  try {
    const cancelled = await stripe.subscriptions.cancel(subscriptionId);
    await saveBillingSnapshot(customerId, snapshotOf(cancelled, Date.now()));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'resource_missing') throw error;
  }
  return subscriptionId;
}

