import { DescribeSnapshotsCommand, type Snapshot } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { NotReadyError } from '../workflows/errors';
import { workflowStep, StepContext, text } from '../workflows/step-kit';
import { SnapshotFailedError } from './errors';
import { assertLifecycleOwner } from './ownership';

const Input = z.extend(StepContext, { snapshotId: text() });

/**
 * "Check snapshot": done once EBS says `completed`, NotReadyError before (the Task retries it); `error`
 * fails the workflow before anything is deleted. Stops early when a workflow started later owns the account.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, snapshotId }) => {
  await assertLifecycleOwner(customerId, executionName);
  const snapshot = await describeSnapshot(snapshotId);
  const state = snapshot?.State ?? 'pending';
  if (state === 'error') throw new SnapshotFailedError(`Snapshot ${snapshotId} failed: ${snapshot?.StateMessage ?? 'no reason given'}`);
  if (state !== 'completed') throw new NotReadyError(`Snapshot ${snapshotId} is still ${state} (${snapshot?.Progress ?? '0%'})`);
  return { output: { snapshotId }, message: `Snapshot ${snapshotId} completed` };
});

/** Right after CreateSnapshot the id may not be visible yet (eventual consistency): that is pending. */
async function describeSnapshot(snapshotId: string): Promise<Snapshot | undefined> {
  try {
    const result = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
    return result.Snapshots?.[0];
  } catch (error) {
    if ((error as Error).name === 'InvalidSnapshot.NotFound') return undefined;
    throw error;
  }
}
