/** The billing fields of a profile (see LifecycleFields in repositories/customer-status.ts). */
export interface BillingFields {
  readonly billing?: { readonly subscriptionStatus?: string | null } | null;
  readonly subscriptionStatus?: string;
  readonly billingStatus?: string;
}

/** Subscription statuses that mean the customer has stopped paying for good (Stripe spells it `canceled`). */
const CANCELLED = new Set(['canceled', 'cancelled', 'incomplete_expired']);

/**
 * Whether billing is cancelled, from what the Stripe webhook stored on the profile: `billing.subscriptionStatus`
 * (repositories/billing.ts), else a top-level `subscriptionStatus` or `billingStatus`. No billing record at
 * all counts as cancelled: nothing will ever pay for the account.
 */
export function billingStanding(customer: BillingFields) {
  const subscriptionStatus = customer.billing?.subscriptionStatus ?? customer.subscriptionStatus ?? customer.billingStatus ?? null;
  return { subscriptionStatus, cancelled: subscriptionStatus === null || CANCELLED.has(subscriptionStatus) };
}
