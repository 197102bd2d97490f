import { CreateSnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { CUSTOMER_TAG } from '../provisioning/instance-tags';
import { EXECUTION_TAG, PURPOSE_TAG } from '../lifecycle/snapshots';
import { text, workflowStep } from '../workflows/step-kit';
import { ResizeContext } from './resize-input';

const Input = z.extend(ResizeContext, { volumeId: text() });

/**
 * "Snapshot data volume": a point-in-time copy of the data volume before anything changes (EBS takes the
 * point at the call; the copy completes in the background, so the resize does not wait for it). Tagged
 * Purpose=pre-resize and Execution=<this execution>: a retried step reuses its snapshot.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, volumeId }) => {
  const mine = await ec2.send(
    new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${EXECUTION_TAG}`, Values: [executionName] }] }),
  );
  const existing = mine.Snapshots?.[0]?.SnapshotId;
  if (existing) return { output: { snapshotId: existing }, message: `Snapshot ${existing} taken earlier` };
  const snapshot = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volumeId,
      Description: `StackPro pre-resize backup of ${customerId}`,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: CUSTOMER_TAG, Value: customerId },
            { Key: 'ManagedBy', Value: 'stackpro' },
            { Key: PURPOSE_TAG, Value: 'pre-resize' },
            { Key: EXECUTION_TAG, Value: executionName },
          ],
        },
      ],
    }),
  );
  if (!snapshot.SnapshotId) throw new Error('CreateSnapshot returned no snapshot id');
  return { output: { snapshotId: snapshot.SnapshotId }, message: `Snapshot ${snapshot.SnapshotId} of ${volumeId} taken` };
});
