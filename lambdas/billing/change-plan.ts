import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { getStripe } from '../clients/stripe';
import { config } from '../config';
import type { Customer, PlanChange } from '../core/customer';
import { InvalidStateError, NotFoundError, PlanChangePendingError, PlanInUseError, PlanUnchangedError } from '../core/errors';
import { planChangeBlockers } from '../core/plan-change';
import { isDowngrade, type PlanName } from '../core/plans';
import { logger } from '../observability';
import { readCustomerPartition } from '../repositories/customer-partition';
import { claimPlanChange, markPlanChangeSent, releasePlanChange } from '../repositories/plan-changes';
import { startResize } from './start-resize';

/** What the route answers with its 202: the plan now, and the one the change is moving to. */
export interface PlanChangeResult {
  readonly plan: PlanName;
  readonly pendingPlan: PlanName;
}

/** A claim this old without Stripe's acceptance was interrupted before (or while) calling Stripe. */
const INTERRUPTED_AFTER_MS = 60_000;

const stripePriceOf = (plan: PlanName): string => {
  const price = config.stripePriceIds()[plan];
  if (!price) throw new Error(`No Stripe price configured for plan ${plan}`);
  return price;
};

/**
 * Moves the account to `target`: claims the change on the profile (one winner however many requests),
 * then moves the subscription's one item to the target's price with Stripe's proration. The webhook that
 * confirms the new price starts the resize (billing/apply-stripe-event.ts). A repeat of a pending change
 * answers the same 202 without calling Stripe again, unless the first request was interrupted before
 * Stripe accepted it; the idempotency key makes that second call one update.
 */
export async function changePlan(customerId: string, target: PlanName, now = Date.now()): Promise<PlanChangeResult> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const { profile: customer, usage } = await readCustomerPartition(customerId);
    if (!customer) throw new NotFoundError('customer');
    if (customer.pendingPlan) {
      if (customer.pendingPlan !== target) throw new PlanChangePendingError(customer.pendingPlan);
      const change = customer.planChange;
      if (change && !change.sentAt && now - Date.parse(change.requestedAt) > INTERRUPTED_AFTER_MS) await sendToStripe(customer, change);
      return { plan: customer.plan, pendingPlan: target };
    }
    if (customer.plan === target) throw new PlanUnchangedError(target);
    if (customer.status !== 'active') throw new InvalidStateError(`The plan can be changed while the account is active; it is ${customer.status}.`);
    if (!customer.billing?.subscriptionId) throw new InvalidStateError('Billing is not set up yet.');
    if (isDowngrade(customer.plan, target)) {
      const blockers = planChangeBlockers(target, usage);
      if (blockers.length > 0) throw new PlanInUseError(blockers);
    }
    const change: PlanChange = { changeId: randomBytes(6).toString('hex'), from: customer.plan, to: target, requestedAt: new Date(now).toISOString() };
    if (await claimPlanChange(customerId, change)) {
      await sendToStripe(customer, change);
      return { plan: customer.plan, pendingPlan: target };
    }
    // Another request changed the account between our read and our claim: decide again on what it did.
  }
  throw new InvalidStateError('The account changed while the plan change was requested; try again.');
}

/**
 * The subscription item moves to the target's price (`create_prorations`: Stripe credits the unused old
 * plan and charges the new one on the next invoice). The key names the customer, target, item and change,
 * so a retry is one update and a later change back and forth is a new one. If the price is already the
 * target's (a change whose resize failed, retried), no webhook will come: the resize starts here.
 */
async function sendToStripe(customer: Customer, change: PlanChange): Promise<void> {
  const { customerId } = customer;
  const subscriptionId = customer.billing?.subscriptionId;
  try {
    if (!subscriptionId) throw new InvalidStateError('Billing is not set up yet.');
    const stripe = await getStripe();
    const subscription: Stripe.Subscription = await stripe.subscriptions.retrieve(subscriptionId);
    const item = subscription.items.data[0];
    if (!item) throw new InvalidStateError('The subscription has no item to change.');
    const price = stripePriceOf(change.to);
    if (item.price.id === price) {
      await startResize(customerId, change);
    } else {
      await stripe.subscriptions.update(
        subscriptionId,
        { items: [{ id: item.id, price }], proration_behavior: 'create_prorations' },
        { idempotencyKey: `stackpro-plan-${customerId}-${change.to}-${item.id}-${change.changeId}` },
      );
    }
  } catch (error) {
    // Nothing changed at Stripe (or it said no): undo the claim so the customer can try again.
    await releasePlanChange(customerId, change.changeId);
    throw error;
  }
  await markPlanChangeSent(customerId, change.changeId, new Date().toISOString());
  logger.info('Plan change sent', { customerId, from: change.from, to: change.to, changeId: change.changeId });
}
