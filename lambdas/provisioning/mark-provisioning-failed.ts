import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { setProvisioningOutcome } from '../repositories/customer-lifecycle';
import { failRunningSteps } from '../repositories/provisioning-log';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, StepContext, workflowStep } from '../workflows/step-kit';

const Input = z.extend(StepContext, {
  error: CaughtError,
  /** The whole state: the rollback steps leave `rollback<Part>Error` in it when an undo failed for good. */
  rollback: z.optional(z.record(z.string(), z.unknown())),
});

const UNDO_ERRORS = { rollbackBillingError: 'subscription', rollbackDnsError: 'DNS records', rollbackEmailError: 'email identity', rollbackInstanceError: 'instance', rollbackMessagingError: 'messaging channels' } as const;


/**
 * Rollback "Mark customer failed": the account says `failed` with a customer-safe reason (failure-messages.ts), the step that broke is
 * marked failed in the log, and the failure is counted for the alarm.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, error, rollback }) => {
  const reason = describeFailure(error, { customerId, executionName, step: 'Mark customer failed' });
  await failRunningSteps(customerId, executionName, reason);
  const current = await setProvisioningOutcome(customerId, executionName, 'failed', reason);
  metrics.addMetric(METRICS.provisioningFailed, MetricUnit.Count, 1);
  const leftovers = Object.entries(UNDO_ERRORS)
    .filter(([key]) => rollback?.[key] !== undefined)
    .map(([, what]) => what);
  if (leftovers.length > 0) metrics.addMetric(METRICS.rollbackIncomplete, MetricUnit.Count, 1);
  publishMetrics();
  return {
    output: { reason, current, leftovers },
    status: leftovers.length > 0 ? 'failed' : 'succeeded',
    message: leftovers.length > 0 ? `Could not remove: ${leftovers.join(', ')}` : 'Everything created was removed',
  };
});
