import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getStripe } from '../clients/stripe';
import { config } from '../config';
import { METRICS } from '../core/metric-names';
import { snapshotOf } from '../billing/stripe-snapshot';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { saveBillingSnapshot } from '../repositories/billing';
import { deleteLapseMarker, lapseMarkersBefore, markLapseSwept, type LapseMarker } from '../repositories/billing-lapses';
import { getLifecycleCustomer } from '../repositories/customer-lifecycle';
import { unlessMissing } from '../billing/apply-stripe-event';
import { startDeprovisioning } from './lifecycle-workflows';

/** Subscription states of a lapsed account: Stripe stopped collecting and nobody paid since. */
const LAPSED = new Set(['paused', 'unpaid', 'canceled', 'incomplete_expired']);

export interface LapseSweepResult {
  /** Due markers looked at. */
  readonly examined: number;
  /** Accounts whose deprovisioning this sweep started (or found started). */
  readonly deprovisioned: readonly string[];
  /** Markers dropped: the account resumed, was re-suspended later, or is gone. */
  readonly dropped: number;
  /** Markers that failed; they stay and are retried on the next run. */
  readonly failed: number;
}

/**
 * Deprovisions accounts suspended for billing (a trial that ended without a card, an unpaid subscription)
 * for longer than the retention period (`stackpro:billingRetentionDays`); before this sweep nothing ever
 * cleaned them up. For each due account: mark the profile, cancel the Stripe subscription (nothing may bill a
 * stack that is gone), store the cancelled snapshot, then start DeprovisionCustomer with no further wait;
 * it takes the final snapshot and removes the rest. Every step is idempotent, so an interrupted sweep is
 * finished by the next one. `now` is injectable (tests, the local control route).
 */
export async function sweepLapsedAccounts(now: number): Promise<LapseSweepResult> {
  const cutoff = new Date(now - config.billingRetentionDays() * 24 * 3600 * 1000).toISOString();
  let examined = 0;
  let dropped = 0;
  let failed = 0;
  const deprovisioned: string[] = [];
  for await (const marker of lapseMarkersBefore(cutoff)) {
    examined += 1;
    try {
      if (await deprovisionIfLapsed(marker, now)) deprovisioned.push(marker.customerId);
      else dropped += 1;
      await deleteLapseMarker(marker);
    } catch (error) {
      failed += 1;
      logger.error('Lapse sweep: account not deprovisioned, retried next run', { customerId: marker.customerId, errorName: (error as Error).name });
    }
  }
  if (deprovisioned.length > 0) metrics.addMetric(METRICS.lapsedAccountsDeprovisioned, MetricUnit.Count, deprovisioned.length);
  if (failed > 0) metrics.addMetric(METRICS.billingSweepErrors, MetricUnit.Count, failed);
  publishMetrics();
  logger.info('Lapse sweep done', { cutoff, examined, deprovisioned: deprovisioned.length, dropped, failed });
  return { examined, deprovisioned, dropped, failed };
}

/** False when the marker is stale: the account is not suspended since then, or not for billing any more. */
async function deprovisionIfLapsed(marker: LapseMarker, now: number): Promise<boolean> {
  const customer = await getLifecycleCustomer(marker.customerId);
  if (!customer || customer.status !== 'suspended' || customer.suspendedAt !== marker.suspendedAt) return false;
  const billing = customer.billing as { subscriptionId?: string | null; subscriptionStatus?: string | null } | undefined;
  const status = billing?.subscriptionStatus ?? null;
  if (status !== null && !LAPSED.has(status)) return false;
  if (!(await markLapseSwept(marker, new Date(now).toISOString()))) return false;

  const subscriptionId = billing?.subscriptionId ?? undefined;
  if (subscriptionId && status !== 'canceled' && status !== 'incomplete_expired') {
    const stripe = await getStripe();
    const current = await unlessMissing(() => stripe.subscriptions.retrieve(subscriptionId));
    const cancelled =
      current && current.status !== 'canceled' && current.status !== 'incomplete_expired'
        ? await stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `lapse-cancel-${subscriptionId}` })
        : current;
    // Observed now (wall clock, not the injected sweep time), so later webhooks still overwrite it.
    if (cancelled) await saveBillingSnapshot(customer.customerId, snapshotOf(cancelled, Date.now()));
  }
  await startDeprovisioning(customer.customerId, subscriptionId ?? 'no-subscription', 0);
  logger.info('Lapsed account deprovisioning started', { customerId: customer.customerId, subscriptionStatus: status });
  return true;
}
