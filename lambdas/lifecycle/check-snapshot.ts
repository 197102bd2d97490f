import { DescribeSnapshotsCommand, type Snapshot } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { ec2 } from '../clients/ec2';
import { nextPoll, Polls } from '../provisioning/polling';
import { workflowStep, StepContext } from '../workflows/step-kit';
import { SnapshotFailedError } from './errors';
import { assertLifecycleOwner } from './ownership';
import { LIFECYCLE_POLL_LIMITS } from './polling';

const Input = StepContext.extend({ snapshotId: z.string().min(1), polls: Polls });

/**
 * "Check snapshot" (the "Snapshot completed?" loop): done once EBS says `completed`; `error` fails the
 * workflow before anything is deleted. Stops early when a workflow started later owns the account.
 */
export const handler = workflowStep('Snapshot data volume', Input, async ({ customerId, executionName, snapshotId, polls }) => {
  const next = nextPoll(polls, LIFECYCLE_POLL_LIMITS.snapshotCompleted, `Snapshot ${snapshotId} completed`);
  await assertLifecycleOwner(customerId, executionName);
  const snapshot = await describeSnapshot(snapshotId);
  const state = snapshot?.State ?? 'pending';
  if (state === 'error') throw new SnapshotFailedError(`Snapshot ${snapshotId} failed: ${snapshot?.StateMessage ?? 'no reason given'}`);
  const done = state === 'completed';
  return {
    output: { snapshotId, done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? `Snapshot ${snapshotId} completed` : `Snapshot ${snapshotId} ${snapshot?.Progress ?? '0%'}`,
  };
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
