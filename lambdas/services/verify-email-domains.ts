import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { emailServiceState } from '../provisioning/email-service-state';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import {
  deleteEmailVerificationMarker,
  markEmailRunning,
  pendingEmailVerifications,
  type EmailVerificationMarker,
} from '../repositories/email-verifications';

/** SES verifies Easy DKIM within 72 hours or not at all (it then stops trying). */
export const EMAIL_VERIFICATION_LIMIT_MS = 72 * 3600 * 1000;
/** GetEmailIdentity calls in flight at once: bounded, to stay well under the SES API rate limits. */
export const EMAIL_CHECK_CONCURRENCY = 5;

export interface EmailVerificationSweepResult {
  readonly examined: number;
  /** Customers whose email service this run marked `running`. */
  readonly verified: readonly string[];
  /** Customers still unverified after 72 hours: their marker is gone, the service stays `pending_verification`. */
  readonly abandoned: readonly string[];
  /** Markers dropped because the identity is gone (the customer was deprovisioned). */
  readonly dropped: number;
  /** Markers whose check failed (throttled, SES unavailable); they stay for the next run. */
  readonly failed: number;
}

type Outcome = 'verified' | 'pending' | 'abandoned' | 'dropped' | 'failed';

/**
 * The DKIM sweep (scheduled every 5 minutes, lambdas/scheduled/jobs.ts): one run checks every live customer
 * whose email domain was still unverified at activation, instead of a polling loop in each provisioning
 * execution. Idempotent and safe to overlap: the service is marked `running` only while it is
 * `pending_verification`, and deleting a marker twice is harmless. `now` is the scheduled time.
 */
export async function verifyEmailDomains(now: number): Promise<EmailVerificationSweepResult> {
  const outcomes: Array<{ marker: EmailVerificationMarker; outcome: Outcome }> = [];
  let batch: EmailVerificationMarker[] = [];
  const flush = async () => {
    const settled = await Promise.all(batch.map(async (marker) => ({ marker, outcome: await checkOne(marker, now) })));
    outcomes.push(...settled);
    batch = [];
  };
  for await (const marker of pendingEmailVerifications()) {
    batch.push(marker);
    if (batch.length >= EMAIL_CHECK_CONCURRENCY) await flush();
  }
  await flush();

  const of = (outcome: Outcome) => outcomes.filter((entry) => entry.outcome === outcome).map((entry) => entry.marker.customerId);
  const result: EmailVerificationSweepResult = {
    examined: outcomes.length,
    verified: of('verified'),
    abandoned: of('abandoned'),
    dropped: of('dropped').length,
    failed: of('failed').length,
  };
  if (result.verified.length > 0) metrics.addMetric(METRICS.emailDomainsVerified, MetricUnit.Count, result.verified.length);
  if (result.abandoned.length > 0) metrics.addMetric(METRICS.emailVerificationAbandoned, MetricUnit.Count, result.abandoned.length);
  publishMetrics();
  if (result.examined > 0) {
    logger.info('Email verification sweep done', { ...result, verified: result.verified.length, abandoned: result.abandoned.length });
  }
  return result;
}

async function checkOne(marker: EmailVerificationMarker, now: number): Promise<Outcome> {
  const { customerId } = marker;
  try {
    let verified: boolean;
    try {
      verified = (await emailServiceState(marker.identity)) === 'running';
    } catch (error) {
      if ((error as Error).name !== 'NotFoundException') throw error;
      await deleteEmailVerificationMarker(customerId);
      return 'dropped';
    }
    if (verified) {
      // False when the customer is no longer pending (already marked, suspended, deprovisioned): nothing to do.
      await markEmailRunning(customerId, new Date(now).toISOString());
      await deleteEmailVerificationMarker(customerId);
      return 'verified';
    }
    if (now - Date.parse(marker.startedAt) >= EMAIL_VERIFICATION_LIMIT_MS) {
      await deleteEmailVerificationMarker(customerId);
      logger.warn('Email domain not verified within 72 hours; email stays pending_verification', { customerId, startedAt: marker.startedAt });
      return 'abandoned';
    }
    return 'pending';
  } catch (error) {
    logger.warn('Email verification check failed; retried next run', { customerId, errorName: (error as Error).name });
    return 'failed';
  }
}
