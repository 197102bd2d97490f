import type Stripe from 'stripe';
import { getStripe } from '../clients/stripe';
import { config } from '../config';
import type { Customer, CustomerStatus } from '../core/customer';
import { confirmPlanChange } from './confirm-plan-change';
import { decideLifecycle } from './lifecycle-rule';
import { stripeIdOf, subscriptionIdOf, type IgnoredReason, type StripeEventEnvelope } from './stripe-event';
import { snapshotOf } from './stripe-snapshot';
import { sendCustomerEmail } from '../notifications/customer-email';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { saveBillingSnapshot, transitionStatus } from '../repositories/billing';
import { retentionSecondsLeft, startDeprovisioning, startWorkflow } from '../services/lifecycle-workflows';

/** What applying an event did: an outcome for the event record, and why it was ignored, if it was. */
export interface Applied {
  readonly outcome: string;
  readonly ignored?: IgnoredReason;
}

export const ignored = (reason: IgnoredReason): Applied => ({ outcome: `ignored: ${reason}`, ignored: reason });

/** A Stripe object that does not exist (any more): undefined instead of an error Stripe would retry for days. */
export async function unlessMissing<T>(fetch: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fetch();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'resource_missing') return undefined;
    throw error;
  }
}

/**
 * The account a subscription belongs to, by the `customerId` metadata on Stripe's own copy (never the
 * event's), and only if that account's Stripe customer is the subscription's: an event naming customer B's
 * subscription with A's metadata moves B by B's state, never A.
 */
async function accountOf(subscription: Stripe.Subscription): Promise<Customer | IgnoredReason> {
  const customerId = subscription.metadata?.customerId;
  if (typeof customerId !== 'string' || customerId === '') return 'not_our_customer';
  const customer = await getCustomer(customerId);
  if (!customer) return 'unknown_customer';
  const stripeCustomerId = stripeIdOf(subscription.customer, 'cus');
  if (customer.billing?.stripeCustomerId && customer.billing.stripeCustomerId !== stripeCustomerId) return 'not_our_customer';
  return customer;
}

/**
 * Moves the account, then starts the workflow that does the slow part. If the workflow cannot be
 * started, the status goes back, and the error makes Stripe redeliver the event later.
 */
async function moveAndStart(customer: Customer, from: CustomerStatus[], to: CustomerStatus, start: () => Promise<void>): Promise<boolean> {
  if (!(await transitionStatus(customer.customerId, from, to))) return false;
  try {
    await start();
    return true;
  } catch (error) {
    await transitionStatus(customer.customerId, [to], customer.status);
    throw error;
  }
}

/**
 * Applies one verified Stripe event. Subscription state is fetched from Stripe, never taken from the
 * event's snapshot, and the lifecycle rule only looks at current states, so any order of delivery ends
 * in the same place. Events about something that is not (or no longer) ours are ignored, not failed.
 */
export async function applyStripeEvent(event: StripeEventEnvelope, now = Date.now()): Promise<Applied> {
  const subscriptionId = subscriptionIdOf(event);
  if (subscriptionId === 'invalid') return ignored('object_id_invalid');
  if (!subscriptionId) return { outcome: `not handled: ${event.type}` };
  const stripe = await getStripe();
  const subscription = await unlessMissing(() => stripe.subscriptions.retrieve(subscriptionId));
  if (!subscription) return ignored('unknown_subscription');
  const customer = await accountOf(subscription);
  if (typeof customer === 'string') return ignored(customer);
  const invoiceId = event.object.object === 'invoice' ? stripeIdOf(event.object.id, 'in') : undefined;
  return applySubscription(customer, subscription, { eventType: event.type, invoiceId }, now);
}

/**
 * The lifecycle rule for the account, given the subscription as Stripe has it now; also what a saved card
 * (checkout.session.completed) does once it has resumed the subscription.
 */
export async function applySubscription(
  customer: Customer,
  subscription: Stripe.Subscription,
  cause: { eventType: string; invoiceId?: string },
  now: number,
): Promise<Applied> {
  await saveBillingSnapshot(customer.customerId, snapshotOf(subscription, now));
  const rule = decideLifecycle(customer.status, subscription.status);
  // An operator's suspension holds until an operator resumes it: a paid invoice does not undo it.
  const action = rule === 'resume' && customer.operatorHold ? 'none' : rule;
  const id = customer.customerId;
  let applied = false;
  switch (action) {
    case 'mark_active':
      applied = await transitionStatus(id, ['past_due'], 'active');
      break;
    case 'mark_past_due':
      applied = await transitionStatus(id, ['active'], 'past_due');
      break;
    case 'suspend':
      applied = await moveAndStart(customer, ['active', 'past_due', 'resuming'], 'suspending', () =>
        startWorkflow(config.suspendStateMachineArn(), `suspend-${id}-${now}`, { customerId: id, reason: subscription.status }),
      );
      break;
    case 'resume':
      applied = await moveAndStart(customer, ['suspended', 'suspending'], 'resuming', () =>
        startWorkflow(config.resumeStateMachineArn(), `resume-${id}-${now}`, { customerId: id }),
      );
      break;
    case 'none':
      break;
  }

  // A new price that is the pending plan's: the plan change is confirmed, its resize starts.
  const resizing = ['active', 'trialing'].includes(subscription.status) && (await confirmPlanChange(customer, subscription));
  if (subscription.status === 'canceled') {
    await startDeprovisioning(id, subscription.id, retentionSecondsLeft(customer as Customer & { suspendedAt?: string; lapseSweptAt?: string }, now));
  }
  if (cause.eventType === 'customer.subscription.trial_will_end' && subscription.status === 'trialing') {
    await sendCustomerEmail(customer, 'trial_ending', `${subscription.id}-${subscription.trial_end}`);
  }
  if (cause.eventType === 'invoice.payment_failed' && cause.invoiceId && ['past_due', 'unpaid'].includes(subscription.status)) {
    await sendCustomerEmail(customer, 'payment_failed', cause.invoiceId);
  }
  logger.info('Stripe event applied', { customerId: id, eventType: cause.eventType, subscriptionStatus: subscription.status, action, applied, resizing });
  return { outcome: `${action}${applied ? '' : ' (no change)'}${resizing ? ', resize started' : ''}` };
}
