import type { CustomerStatus } from '../core/customer';

/** What the account should do about the subscription's current state. */
export type LifecycleAction = 'none' | 'mark_active' | 'mark_past_due' | 'suspend' | 'resume';

/** Subscription states in which we stop serving (stop, never delete): Stripe gave up collecting. */
const SUSPENDING = new Set(['unpaid', 'paused', 'canceled', 'incomplete_expired']);
const PAYING = new Set(['trialing', 'active']);

/**
 * The billing lifecycle as one pure rule (README "Billing lifecycle"). It looks only at the current
 * subscription status (fetched from Stripe, never an event's snapshot) and the account status, so
 * events applied in any order, or twice, converge on the same state.
 */
export function decideLifecycle(account: CustomerStatus, subscription: string): LifecycleAction {
  // Not ours to move: still being built, never built, or already deprovisioned.
  if (account === 'provisioning' || account === 'waiting_for_capacity' || account === 'failed' || account === 'cancelled') return 'none';
  if (PAYING.has(subscription)) {
    if (account === 'suspended' || account === 'suspending') return 'resume';
    if (account === 'past_due') return 'mark_active';
    return 'none';
  }
  if (subscription === 'past_due') return account === 'active' ? 'mark_past_due' : 'none';
  if (SUSPENDING.has(subscription)) {
    return account === 'active' || account === 'past_due' || account === 'resuming' ? 'suspend' : 'none';
  }
  return 'none';
}
