import { CreateSnapshotCommand } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';
import { CUSTOMER_TAG } from '../provisioning/instance-tags';
import { workflowStep, StepContext, type StepOutcome } from '../workflows/step-kit';
import { updateInfrastructure } from '../repositories/infrastructure';
import { SnapshotFailedError } from './errors';
import { findCustomerInstance } from './instances';
import { assertLifecycleOwner } from './ownership';
import { dataVolumeOf, EXECUTION_TAG, FINAL_BACKUP, findFinalBackups, PURPOSE_TAG } from './snapshots';

/** `snapshotId` null: no instance and no earlier backup, nothing to wait for. */
interface SnapshotStarted {
  readonly snapshotId: string | null;
  readonly done: boolean;
}

/**
 * "Snapshot data volume": CreateSnapshot of the instance's data (root) volume, tagged Customer, ManagedBy,
 * Purpose=final-backup and Execution=<this execution>, and records its id on the infrastructure item.
 * Idempotent: a snapshot this execution already started is reused. With no instance left (a re-run after
 * it was terminated), the newest earlier final backup stands; with neither, there is nothing to back up.
 */
export const handler = workflowStep(StepContext, async ({ customerId, executionName }): Promise<StepOutcome<SnapshotStarted>> => {
  await assertLifecycleOwner(customerId, executionName);
  const [mine] = await findFinalBackups(customerId, executionName);
  if (mine?.SnapshotId) {
    return { output: { snapshotId: mine.SnapshotId, done: mine.State === 'completed' }, message: `Snapshot ${mine.SnapshotId} started earlier` };
  }
  const instance = await findCustomerInstance(customerId);
  if (!instance?.InstanceId) {
    const [earlier] = await findFinalBackups(customerId);
    if (earlier?.SnapshotId) {
      return { output: { snapshotId: earlier.SnapshotId, done: earlier.State === 'completed' }, message: `No instance left; keeping snapshot ${earlier.SnapshotId}` };
    }
    return { output: { snapshotId: null, done: true }, message: 'No instance left: nothing to back up' };
  }
  const volumeId = dataVolumeOf(instance);
  if (!volumeId) throw new SnapshotFailedError(`Instance ${instance.InstanceId} has no EBS volume to back up`);
  const snapshot = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volumeId,
      Description: `StackPro final backup of ${customerId} (${instance.InstanceId})`,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: CUSTOMER_TAG, Value: customerId },
            { Key: 'ManagedBy', Value: 'stackpro' },
            { Key: PURPOSE_TAG, Value: FINAL_BACKUP },
            { Key: EXECUTION_TAG, Value: executionName },
          ],
        },
      ],
    }),
  );
  const snapshotId = snapshot.SnapshotId;
  if (!snapshotId) throw new Error('CreateSnapshot returned no snapshot id');
  await updateInfrastructure(customerId, { finalSnapshotId: snapshotId });
  return { output: { snapshotId, done: snapshot.State === 'completed' }, message: `Snapshot ${snapshotId} of ${volumeId} started` };
});
