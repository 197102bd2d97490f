import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type Stripe from 'stripe';
import { getStripe } from '../clients/stripe';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import type { Customer, CustomerStatus } from '../core/customer';
import { decideLifecycle } from '../billing/lifecycle';
import { snapshotOf } from '../billing/stripe-snapshot';
import { sendCustomerEmail } from '../notifications/customer-email';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { saveBillingSnapshot, transitionStatus } from '../repositories/billing';

/** The subscription an event is about, for the event types we subscribe to (README "Billing"). */
function subscriptionIdOf(event: Stripe.Event): string | undefined {
  const object = event.data.object as { object?: string; id?: string; parent?: Stripe.Invoice['parent'] };
  if (object.object === 'subscription') return object.id;
  if (object.object === 'invoice') {
    const subscription = object.parent?.subscription_details?.subscription;
    return typeof subscription === 'string' ? subscription : subscription?.id;
  }
  return undefined;
}

async function startWorkflow(stateMachineArn: string, name: string, input: object): Promise<void> {
  await stepFunctions.send(new StartExecutionCommand({ stateMachineArn, name: name.slice(0, 80), input: JSON.stringify(input) }));
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
 * in the same place. Returns a short outcome for the event record.
 */
export async function applyStripeEvent(event: Stripe.Event, now = Date.now()): Promise<string> {
  const subscriptionId = subscriptionIdOf(event);
  if (!subscriptionId) return `ignored ${event.type}`;
  const stripe = await getStripe();
  const subscription = await stripe.subscriptions.retrieve(subscriptionId);
  const customerId = subscription.metadata?.customerId;
  const customer = customerId ? await getCustomer(customerId) : undefined;
  if (!customer) return 'ignored: not a StackPro subscription';

  await saveBillingSnapshot(customer.customerId, snapshotOf(subscription, now));
  const action = decideLifecycle(customer.status, subscription.status);
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

  if (subscription.status === 'canceled') {
    // One deprovisioning per subscription: the name makes a repeated start a no-op.
    try {
      await startWorkflow(config.deprovisionStateMachineArn(), `deprovision-${id}-${subscription.id}`, {
        customerId: id,
        retentionSeconds: config.billingRetentionDays() * 24 * 3600,
      });
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  if (event.type === 'customer.subscription.trial_will_end' && subscription.status === 'trialing') {
    await sendCustomerEmail(customer, 'trial_ending', `${subscription.id}-${subscription.trial_end}`);
  }
  if (event.type === 'invoice.payment_failed' && ['past_due', 'unpaid'].includes(subscription.status)) {
    await sendCustomerEmail(customer, 'payment_failed', (event.data.object as { id: string }).id);
  }
  logger.info('Stripe event applied', { customerId: id, eventType: event.type, subscriptionStatus: subscription.status, action, applied });
  return `${action}${applied ? '' : ' (no change)'}`;
}
