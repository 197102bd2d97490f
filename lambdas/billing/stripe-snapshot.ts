import type Stripe from 'stripe';
import type { BillingSnapshot } from '../repositories/billing';

const iso = (epochSeconds: number | null | undefined) => (epochSeconds ? new Date(epochSeconds * 1000).toISOString() : null);

/** Our snapshot of a Stripe subscription (current period lives on its items in current API versions). */
export function snapshotOf(subscription: Stripe.Subscription, observedAt: number): BillingSnapshot {
  const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
  const periodEnd = subscription.items?.data?.[0]?.current_period_end;
  return {
    stripeCustomerId: customer,
    subscriptionId: subscription.id,
    subscriptionStatus: subscription.status,
    trialEndsAt: iso(subscription.trial_end),
    currentPeriodEnd: iso(periodEnd),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    observedAt,
  };
}
