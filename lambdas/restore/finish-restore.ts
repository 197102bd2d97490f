import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { METRICS } from '../core/metric-names';
import { findCustomerInstance } from '../lifecycle/instances';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { updateInfrastructure } from '../repositories/infrastructure';
import { failRunningSteps } from '../repositories/provisioning-log';
import { endRestore } from '../repositories/restores';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, StepContext, type StepOutcome, workflowStep } from '../workflows/step-kit';
import { currentRestore } from './volumes';

const Input = z.extend(StepContext, {
  outcome: z.enum(['restored', 'rolled_back', 'rollback_incomplete']),
  /** The Catch output that sent the workflow here (`rolled_back`, `rollback_incomplete`). */
  error: z.optional(CaughtError),
});

/**
 * "Confirm restore" / "Record restore failure" / "Record rollback failure": ends the customer's restore
 * record and notes the server's address (a stop and start gave it a new one). A confirmed restore keeps the
 * replaced volume's id, so its recovery points stay the customer's. A failure is recorded with a
 * customer-safe reason: the steps still running are marked failed and this step shows the reason in the
 * status route; it is counted (RestoreRolledBack, or RestoreRollbackIncomplete for operators).
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, outcome, error }): Promise<StepOutcome<{ reason: string | null }>> => {
  const record = await currentRestore(customerId);
  const instance = await findCustomerInstance(customerId);
  if (instance?.InstanceId && instance.PublicIpAddress) await updateInfrastructure(customerId, { instanceId: instance.InstanceId, publicIp: instance.PublicIpAddress });

  if (outcome === 'restored') {
    await endRestore(customerId, 'restored', { formerVolumeId: record.previousVolumeId });
    return { output: { reason: null }, message: `Restored from ${record.recoveryPointId}; the restored server passed its check` };
  }
  const cause = error ? describeFailure(error, { customerId, executionName }) : 'The restore was stopped before it finished.';
  const reason =
    outcome === 'rolled_back'
      ? `The restore from ${record.recoveryPointId} did not complete and was undone; the server runs on its previous data. ${cause}`
      : `The restore from ${record.recoveryPointId} could not be undone; our team is looking at it. ${cause}`;
  await failRunningSteps(customerId, executionName, cause);
  await endRestore(customerId, outcome, { reason });
  metrics.addMetric(outcome === 'rolled_back' ? METRICS.restoreRolledBack : METRICS.restoreRollbackIncomplete, MetricUnit.Count, 1);
  publishMetrics();
  logger.warn('Restore did not complete', { customerId, executionName, outcome, errorName: error?.Error });
  return { output: { reason }, status: 'failed', message: reason };
});
