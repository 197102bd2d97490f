import { getStripe, getWebhookSecret } from '../clients/stripe';
import { InvalidSignatureError } from '../core/errors';
import { claimStripeEvent, completeStripeEvent, releaseStripeEvent } from '../repositories/billing';
import { applyStripeEvent } from './apply-stripe-event';

/**
 * Verifies a webhook delivery against its raw body, then applies the event once: the first delivery to
 * claim the event id processes it; a duplicate (sequential or concurrent) is acknowledged and ignored.
 * If processing fails, the claim is released so Stripe's redelivery is processed.
 */
export async function receiveStripeWebhook(rawBody: string, signature: string | undefined): Promise<{ received: true; duplicate?: true }> {
  const stripe = await getStripe();
  let event;
  try {
    // Default tolerance: 300 s, so a replayed old delivery is refused too.
    event = await stripe.webhooks.constructEventAsync(rawBody, signature ?? '', await getWebhookSecret());
  } catch {
    throw new InvalidSignatureError();
  }
  if (!(await claimStripeEvent(event.id, Date.now()))) return { received: true, duplicate: true };
  try {
    await completeStripeEvent(event.id, await applyStripeEvent(event));
  } catch (error) {
    await releaseStripeEvent(event.id).catch(() => undefined);
    throw error;
  }
  return { received: true };
}
