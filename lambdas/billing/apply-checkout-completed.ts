import { getStripe } from '../clients/stripe';
import { read, stripeIdOf, type StripeEventEnvelope } from './stripe-event';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { applySubscription, ignored, unlessMissing, type Applied } from './apply-stripe-event';

/**
 * `checkout.session.completed` in setup mode (POST /billing/checkout-session): the card the customer just
 * added becomes the Stripe customer's default payment method, and a subscription paused at the end of a
 * trial without a card is resumed at once, so the customer runs again without waiting for an invoice.
 *
 * Nothing is taken from the event but ids: the SetupIntent, the Stripe customer and the subscription are
 * fetched from Stripe, and they must all belong to the same Stripe customer as the account they name.
 * Each Stripe write carries an idempotency key derived from the SetupIntent, so a redelivered or
 * concurrent event changes nothing twice.
 */
export async function applyCheckoutCompleted(event: StripeEventEnvelope, now = Date.now()): Promise<Applied> {
  const session = event.object;
  if (session.object !== 'checkout.session' || session.mode !== 'setup') return { outcome: `not handled: ${String(read(session, 'mode'))} checkout` };
  const stripeCustomerId = stripeIdOf(session.customer, 'cus');
  const setupIntentId = stripeIdOf(session.setup_intent, 'seti');
  if (!stripeCustomerId || !setupIntentId) return ignored('checkout_not_usable');

  const stripe = await getStripe();
  const intent = await unlessMissing(() => stripe.setupIntents.retrieve(setupIntentId));
  const paymentMethod = stripeIdOf(intent?.payment_method, 'pm');
  if (!intent || intent.status !== 'succeeded' || !paymentMethod || stripeIdOf(intent.customer, 'cus') !== stripeCustomerId) {
    return ignored('checkout_not_usable');
  }
  const stripeCustomer = await unlessMissing(() => stripe.customers.retrieve(stripeCustomerId));
  if (!stripeCustomer || stripeCustomer.deleted) return ignored('unknown_customer');
  const customerId = stripeCustomer.metadata?.customerId;
  const customer = typeof customerId === 'string' && customerId !== '' ? await getCustomer(customerId) : undefined;
  if (!customer) return ignored('unknown_customer');
  if (customer.billing?.stripeCustomerId !== stripeCustomerId) return ignored('not_our_customer');

  await stripe.customers.update(
    stripeCustomerId,
    { invoice_settings: { default_payment_method: paymentMethod } },
    { idempotencyKey: `default-payment-method-${setupIntentId}` },
  );
  const subscriptionId = customer.billing.subscriptionId;
  if (!subscriptionId) return { outcome: 'card saved; no subscription' };
  let subscription = await unlessMissing(() => stripe.subscriptions.retrieve(subscriptionId));
  if (!subscription || stripeIdOf(subscription.customer, 'cus') !== stripeCustomerId) return { outcome: 'card saved; no subscription' };
  if (subscription.status === 'paused') {
    // Stripe's defaults: a new period starts now, billed to the saved card. The events this causes arrive
    // too and change nothing more.
    try {
      subscription = await stripe.subscriptions.resume(subscriptionId, {}, { idempotencyKey: `resume-${subscriptionId}-${setupIntentId}` });
    } catch (error) {
      // Resumed meanwhile (another card added at the same moment): Stripe's current state is what counts.
      if ((error as { type?: unknown }).type !== 'StripeInvalidRequestError') throw error;
      subscription = await stripe.subscriptions.retrieve(subscriptionId);
    }
    logger.info('Paused subscription resumed after a card was added', { customerId: customer.customerId, subscriptionStatus: subscription.status });
  }
  const applied = await applySubscription(customer, subscription, { eventType: event.type }, now);
  return { outcome: `card saved; ${applied.outcome}` };
}
