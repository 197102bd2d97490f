import { createHash } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getStripe, getWebhookSecret } from '../clients/stripe';
import { METRICS } from '../core/metric-names';
import { isUsableWebhookSecret } from '../core/stripe-keys';
import { InvalidSignatureError, WebhookNotConfiguredError } from '../core/errors';
import { parseStripeEvent, type IgnoredReason } from './stripe-event';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { claimStripeEvent, completeStripeEvent, recordIgnoredDelivery, releaseStripeEvent } from '../repositories/billing';
import { applyCheckoutCompleted } from './apply-checkout-completed';
import { applyStripeEvent } from './apply-stripe-event';

export interface WebhookAnswer {
  readonly received: true;
  readonly duplicate?: true;
  /** Why a correctly signed event changed nothing (README "Stripe webhooks"). */
  readonly ignored?: IgnoredReason;
}

function countIgnored(reason: IgnoredReason, eventId?: string): void {
  metrics.addMetric(METRICS.stripeEventIgnored, MetricUnit.Count, 1);
  publishMetrics();
  logger.warn('Stripe event ignored', { reason, eventId });
}

/**
 * Verifies a webhook delivery against its raw body, then applies the event once: the first delivery to
 * claim the event id processes it; a duplicate (sequential or concurrent) is acknowledged and ignored.
 * If processing fails, the claim is released so Stripe's redelivery is processed. A signed event we
 * cannot use is recorded and answered 200, so Stripe does not redeliver it for days.
 */
export async function receiveStripeWebhook(rawBody: string, signature: string | undefined, now = Date.now()): Promise<WebhookAnswer> {
  const secret = await getWebhookSecret();
  if (!isUsableWebhookSecret(secret)) {
    // Fail closed: the placeholder is public, so nothing "signed" with it may be believed.
    metrics.addMetric(METRICS.stripeWebhookSecretUnset, MetricUnit.Count, 1);
    publishMetrics();
    logger.error('Stripe webhook refused: the webhook secret is not set (still the placeholder)');
    throw new WebhookNotConfiguredError();
  }
  const stripe = await getStripe();
  try {
    // Default tolerance: 300 s, so a replayed old delivery is refused too.
    await stripe.webhooks.signature!.verifyHeaderAsync(rawBody, signature ?? '', secret);
  } catch {
    throw new InvalidSignatureError();
  }

  const parsed = parseStripeEvent(rawBody);
  if ('ignored' in parsed) {
    await recordIgnoredDelivery(createHash('sha256').update(rawBody).digest('hex'), parsed.ignored, now);
    countIgnored(parsed.ignored);
    return { received: true, ignored: parsed.ignored };
  }
  const { event } = parsed;
  if (!(await claimStripeEvent(event.id, now))) return { received: true, duplicate: true };
  let applied;
  try {
    applied = event.type === 'checkout.session.completed' ? await applyCheckoutCompleted(event, now) : await applyStripeEvent(event, now);
    await completeStripeEvent(event.id, applied.outcome);
  } catch (error) {
    await releaseStripeEvent(event.id).catch(() => undefined);
    throw error;
  }
  if (applied.ignored) {
    countIgnored(applied.ignored, event.id);
    return { received: true, ignored: applied.ignored };
  }
  return { received: true };
}
