import * as z from 'zod/mini';
import { getStripe } from '../clients/stripe';
import { config } from '../config';
import { getCustomer } from '../repositories/accounts';
import { saveBillingSnapshot } from '../repositories/billing';
import { CustomerNotFoundError } from '../provisioning/errors';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { snapshotOf } from './stripe-snapshot';

const Input = z.extend(StepContext, { attempt: z.number().check(z.int(), z.positive()) });

/**
 * "Set up billing" (provisioning, beside the instance launch): a Stripe customer and a subscription to
 * the plan's price whose trial ends when ours does, needing no card up front (if none is added, Stripe
 * pauses it at the trial's end). Idempotency keys make a retried step create nothing twice; an attempt
 * after a rollback (which cancelled the old subscription) gets a new subscription, same Stripe customer.
 */
export const handler = workflowStep(Input, async ({ customerId, attempt }) => {
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  const stripe = await getStripe();
  const existing = customer.billing;
  if (existing?.subscriptionId && existing.subscriptionStatus !== 'canceled') {
    return { output: { stripeCustomerId: existing.stripeCustomerId, subscriptionId: existing.subscriptionId }, message: 'Billing already set up' };
  }
  const stripeCustomerId =
    existing?.stripeCustomerId ??
    (
      await stripe.customers.create(
        { email: customer.email, name: `${customer.firstName} ${customer.lastName}`, metadata: { customerId } },
        { idempotencyKey: `stackpro-customer-${customerId}` },
      )
    ).id;
  const price = config.stripePriceIds()[customer.plan];
  if (!price) throw new Error(`No Stripe price configured for plan ${customer.plan}`);
  // The trial starts when the email is verified, which is what starts provisioning.
  if (!customer.trialEndsAt) throw new Error(`Customer ${customerId} has no trial yet (email not verified)`);
  const trialEndsAt = customer.trialEndsAt;
  const trialEnd = Math.floor(Date.parse(trialEndsAt) / 1000);
  const subscription = await stripe.subscriptions.create(
    {
      customer: stripeCustomerId,
      items: [{ price }],
      // Our trial clock, not a second one: a retry days later does not extend it.
      ...(trialEnd > Date.now() / 1000 + 60 ? { trial_end: trialEnd } : {}),
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      payment_settings: { save_default_payment_method: 'on_subscription' },
      metadata: { customerId },
    },
    { idempotencyKey: `stackpro-subscription-${customerId}-${attempt}` },
  );
  await saveBillingSnapshot(customerId, snapshotOf(subscription, Date.now()));
  return {
    output: { stripeCustomerId, subscriptionId: subscription.id },
    message: `Subscribed to ${customer.plan} (${subscription.status}, trial until ${trialEndsAt.slice(0, 10)})`,
  };
});
