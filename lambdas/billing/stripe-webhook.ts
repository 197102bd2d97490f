import { createHash } from 'node:crypto';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getStripe, getWebhookSecret } from '../clients/stripe';
import { METRICS } from '../core/metric-names';
import { isUsableWebhookSecret } from '../core/stripe-keys';
import { InvalidSignatureError, WebhookNotConfiguredError } from '../core/errors';
import { parseStripeEvent, type IgnoredReason, type StripeEventEnvelope } from './stripe-event';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { recordIgnoredDelivery } from '../repositories/billing';
import { idempotencyRecords } from '../repositories/idempotency-records';
import { keys } from '../repositories/keys';
import { applyCheckoutCompleted } from './apply-checkout-completed';
import { type Applied, applyStripeEvent } from './apply-stripe-event';

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

/** Stripe retries a delivery for up to 3 days; an event's record is kept 30 days, so a late one is still a duplicate. */
const EVENT_RECORD_SECONDS = 30 * 24 * 3600;
const DUPLICATE = { duplicate: true } as const;
type OnceResult = Applied | typeof DUPLICATE;

/**
 * Each event takes effect once (Powertools Idempotency, keyed by the event id): the first delivery records
 * it in progress and applies it; a delivery while that runs, or after it completed, is a duplicate. If
 * applying fails, the record is deleted so Stripe's redelivery applies it; an attempt that crashed counts
 * as over when its Lambda would have timed out (the registered context's remaining time).
 */
const eventsOnce = new IdempotencyConfig({
  eventKeyJmesPath: 'id',
  throwOnNoIdempotencyKey: true,
  expiresAfterSeconds: EVENT_RECORD_SECONDS,
  // A completed event answers as a duplicate, whatever its first delivery answered.
  responseHook: () => DUPLICATE,
});
let applyEventOnce: ((event: StripeEventEnvelope, now: number) => Promise<OnceResult>) | undefined;

/** Made on first use: the persistence layer reads TABLE_NAME, which a Lambda has by then. */
function applyOnce(event: StripeEventEnvelope, now: number): Promise<OnceResult> {
  applyEventOnce ??= makeIdempotent(
    (envelope: StripeEventEnvelope, at: number): Promise<OnceResult> =>
      envelope.type === 'checkout.session.completed' ? applyCheckoutCompleted(envelope, at) : applyStripeEvent(envelope, at),
    { persistenceStore: idempotencyRecords(keys.stripeEventPartition), config: eventsOnce, keyPrefix: keys.stripeEventPrefix, dataIndexArgument: 0 },
  );
  return applyEventOnce(event, now).catch((error: unknown) => {
    // Another delivery of the same event is being applied right now (a concurrent duplicate).
    if (error instanceof IdempotencyAlreadyInProgressError) return DUPLICATE;
    throw error;
  });
}

/**
 * Verifies a webhook delivery against its raw body, then applies the event once (see `eventsOnce`): a
 * duplicate (sequential or concurrent) is acknowledged and ignored. A signed event we cannot use is
 * recorded and answered 200, so Stripe does not redeliver it for days. `context` is the invocation's, so
 * a crashed attempt's record expires with it.
 */
export async function receiveStripeWebhook(rawBody: string, signature: string | undefined, context: Context, now = Date.now()): Promise<WebhookAnswer> {
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
  eventsOnce.registerLambdaContext(context);
  const applied = await applyOnce(event, now);
  if ('duplicate' in applied) return { received: true, duplicate: true };
  if (applied.ignored) {
    countIgnored(applied.ignored, event.id);
    return { received: true, ignored: applied.ignored };
  }
  return { received: true };
}
