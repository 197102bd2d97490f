import type Stripe from 'stripe';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { getCustomer } from '../repositories/accounts';
import { startResize } from './start-resize';

/**
 * A subscription whose price is now the pending plan's confirms that plan change: its resize starts (once;
 * the execution name is the change's). The account is read again strongly consistent, so a webhook racing
 * the route's claim still sees it. Out-of-order events only ever look at Stripe's current price.
 */
export async function confirmPlanChange(customer: Customer, subscription: Stripe.Subscription): Promise<boolean> {
  const price = subscription.items?.data?.[0]?.price?.id;
  if (!price || price === config.stripePriceIds()[customer.plan]) return false;
  const current = (await getCustomer(customer.customerId, { consistent: true })) ?? customer;
  const change = current.planChange;
  if (!current.pendingPlan || !change || change.to !== current.pendingPlan) return false;
  if (price !== config.stripePriceIds()[current.pendingPlan]) return false;
  return startResize(current.customerId, change);
}
