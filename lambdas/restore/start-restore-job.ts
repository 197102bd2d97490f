import { StartRestoreJobCommand } from '@aws-sdk/client-backup';
import * as z from 'zod/mini';
import { backup } from '../clients/backup';
import { config } from '../config';
import { checkRecoveryPoint } from '../backups/ownership';
import { recoveryPointArn, RECOVERY_POINT_ID } from '../backups/recovery-points';
import { CustomerNotFoundError, InstanceNotFoundError } from '../lifecycle/errors';
import { findCustomerInstance } from '../lifecycle/instances';
import { dataVolumeOf } from '../lifecycle/snapshots';
import { getCustomer } from '../repositories/accounts';
import { updateRestore } from '../repositories/restores';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { RecoveryPointNotOwnedError, RecoveryPointNotReadyError, RestoreNotClaimedError } from './errors';
import { currentRestore } from './volumes';

const Input = z.extend(StepContext, { recoveryPointId: z.string().check(z.regex(RECOVERY_POINT_ID)) });

/**
 * "Start restore job": checks again that the point is the customer's and COMPLETED (the route did, but an
 * execution can be started by hand), then AWS Backup StartRestoreJob of it to a new encrypted gp3 volume in
 * the server's Availability Zone, with the source's tags (ManagedBy, Customer, Plan) copied onto it. The
 * execution name is the idempotency token, so a retried step starts one job. The server is not touched.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, recoveryPointId }) => {
  const record = await currentRestore(customerId);
  if (record.recoveryPointId !== recoveryPointId || record.state !== 'running') {
    throw new RestoreNotClaimedError(`The customer's restore is of ${record.recoveryPointId} (${record.state}), not ${recoveryPointId}`);
  }
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  const instance = await findCustomerInstance(customerId);
  const volumeId = instance ? dataVolumeOf(instance) : undefined;
  if (!instance?.InstanceId || !volumeId) throw new InstanceNotFoundError(`Customer ${customerId} has no server to restore onto`);
  const check = await checkRecoveryPoint(customerId, recoveryPointId, record.previousVolumeId ?? volumeId);
  if (check === 'not-found') throw new RecoveryPointNotOwnedError(`Recovery point ${recoveryPointId} is not one of this customer's backups`);
  if (check === 'not-ready') throw new RecoveryPointNotReadyError(`Recovery point ${recoveryPointId} is not complete yet`);

  const job = await backup.send(
    new StartRestoreJobCommand({
      RecoveryPointArn: recoveryPointArn(recoveryPointId),
      IamRoleArn: config.backupRoleArn(),
      IdempotencyToken: executionName,
      ResourceType: 'EBS',
      Metadata: { availabilityZone: instance.Placement?.AvailabilityZone ?? '', volumeType: 'gp3', encrypted: 'true' },
      CopySourceTagsToRestoredResource: true,
    }),
  );
  if (!job.RestoreJobId) throw new Error('StartRestoreJob returned no job id');
  // The first run records the volume being replaced; a retry keeps it (by then it may be detached).
  await updateRestore(customerId, {
    instanceId: instance.InstanceId,
    device: instance.RootDeviceName ?? '/dev/xvda',
    previousVolumeId: record.previousVolumeId ?? volumeId,
    restoreJobId: job.RestoreJobId,
  });
  return {
    output: { restoreJobId: job.RestoreJobId, instanceId: instance.InstanceId, plan: customer.plan },
    message: `Restoring ${recoveryPointId} to a new volume (job ${job.RestoreJobId})`,
  };
});
