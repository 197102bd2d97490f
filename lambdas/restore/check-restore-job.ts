import { DescribeRestoreJobCommand } from '@aws-sdk/client-backup';
import * as z from 'zod/mini';
import { backup } from '../clients/backup';
import { logger } from '../observability';
import { updateRestore } from '../repositories/restores';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { RestoreJobFailedError } from './errors';
import { volumeIdOfArn } from './volumes';

const Input = z.extend(StepContext, { restoreJobId: z.string().check(z.minLength(1)) });

/**
 * "Check restore job": DescribeRestoreJob until COMPLETED, then the new volume's id is recorded (the swap
 * and the clean-up read it from there). NotReadyError while PENDING or RUNNING (the Task retries it);
 * FAILED or ABORTED fails (AWS Backup's status message goes to the log).
 */
export const handler = workflowStep(Input, async ({ customerId, restoreJobId }) => {
  const job = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
  const volumeId = job.CreatedResourceArn ? volumeIdOfArn(job.CreatedResourceArn) : undefined;
  // Recorded whatever the outcome, so a volume a failed job left behind is cleaned up too.
  if (volumeId) await updateRestore(customerId, { restoredVolumeId: volumeId });
  if (job.Status === 'FAILED' || job.Status === 'ABORTED') {
    // AWS Backup's message may name ARNs and the account: the log has it, the customer-facing reason does not.
    logger.warn('Restore job did not complete', { customerId, restoreJobId, status: job.Status, statusMessage: job.StatusMessage });
    throw new RestoreJobFailedError(`AWS Backup could not restore the recovery point (restore job ${job.Status})`);
  }
  if (job.Status !== 'COMPLETED' || !volumeId) {
    throw new NotReadyError(`Restore job ${restoreJobId} is ${job.Status ?? 'PENDING'}${job.PercentDone ? ` (${job.PercentDone}%)` : ''}`);
  }
  return { output: { volumeId }, message: `Restored volume ${volumeId} is ready` };
});
