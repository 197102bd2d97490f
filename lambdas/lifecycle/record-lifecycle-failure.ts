import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, workflowStep, StepContext } from '../workflows/step-kit';
import { failRunningSteps } from '../repositories/provisioning-log';

const WORKFLOW_METRICS = {
  SuspendCustomer: METRICS.suspendFailed,
  ResumeCustomer: METRICS.resumeFailed,
  DeprovisionCustomer: METRICS.deprovisionFailed,
} as const;

/** What the account is left as when each workflow fails (README "Billing lifecycle"; ASL comments). */
const LEFT_AS = {
  SuspendCustomer: 'the account status was not changed; the instance may be stopped. Run SuspendCustomer again (every step is idempotent).',
  ResumeCustomer: 'the account status was not changed; the instance may be running. Run ResumeCustomer again (every step is idempotent).',
  DeprovisionCustomer: 'the account was not marked cancelled; the final backup snapshot is kept. Run DeprovisionCustomer again with retentionSeconds 0.',
} as const;

const Input = z.extend(StepContext, {
  workflow: z.enum(['SuspendCustomer', 'ResumeCustomer', 'DeprovisionCustomer']),
  error: CaughtError,
});

/**
 * "Record suspension / resume / deprovisioning failure": marks the steps that were still in progress as
 * failed with the reason, counts the failure for its alarm and hands the Fail state a readable cause.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, workflow, error }) => {
  const reason = describeFailure(error, { customerId, executionName, step: 'Record failure' });
  await failRunningSteps(customerId, executionName, reason);
  metrics.addMetric(WORKFLOW_METRICS[workflow], MetricUnit.Count, 1);
  publishMetrics();
  logger.error('Lifecycle workflow failed', { customerId, executionName, workflow, errorName: error.Error });
  return { output: { reason }, status: 'failed', message: `${reason}. ${LEFT_AS[workflow]}` };
});
