/** What the status route shows of billing; a snapshot of Stripe's subscription, newest observation wins. */
export interface BillingSnapshot {
  readonly stripeCustomerId: string;
  readonly subscriptionId: string | null;
  readonly subscriptionStatus: string | null;
  readonly trialEndsAt: string | null;
  readonly currentPeriodEnd: string | null;
  readonly cancelAtPeriodEnd: boolean;
  /** When we read this from Stripe (epoch ms): an older observation never overwrites a newer one. */
  readonly observedAt: number;
}
