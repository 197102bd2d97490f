import { getStripe } from '../clients/stripe';
import { config } from '../config';
import { InvalidStateError, NotFoundError } from '../core/errors';
import { getCustomer } from '../repositories/accounts';

/** The caller's Stripe customer id; billing is set up during provisioning, so it may not exist yet. */
async function stripeCustomerOf(customerId: string): Promise<string> {
  const customer = await getCustomer(customerId);
  if (!customer) throw new NotFoundError('customer');
  const stripeCustomerId = customer.billing?.stripeCustomerId;
  if (!stripeCustomerId) throw new InvalidStateError('Billing is not set up yet; try again once provisioning has started.');
  return stripeCustomerId;
}

/**
 * A Stripe Checkout session (setup mode) where the customer adds the card that keeps the plan after
 * the trial; Stripe returns them to the frontend.
 */
export async function createCheckoutSession(customerId: string): Promise<{ url: string }> {
  const stripe = await getStripe();
  const session = await stripe.checkout.sessions.create({
    mode: 'setup',
    customer: await stripeCustomerOf(customerId),
    currency: 'usd',
    success_url: `${config.frontendOrigin()}/billing?checkout=success`,
    cancel_url: `${config.frontendOrigin()}/billing?checkout=cancelled`,
    metadata: { customerId },
  });
  if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
  return { url: session.url };
}

/** A Stripe customer portal session: change card, see invoices, cancel. */
export async function createPortalSession(customerId: string): Promise<{ url: string }> {
  const stripe = await getStripe();
  const session = await stripe.billingPortal.sessions.create({
    customer: await stripeCustomerOf(customerId),
    return_url: `${config.frontendOrigin()}/billing`,
  });
  return { url: session.url };
}
