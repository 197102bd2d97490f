import { DescribeSnapshotsCommand, type Filter, type Instance, type Snapshot } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';
import { CUSTOMER_TAG } from '../provisioning/instance-tags';

/** Tags of the last backup taken before an instance is terminated. */
export const PURPOSE_TAG = 'Purpose';
export const FINAL_BACKUP = 'final-backup';
export const EXECUTION_TAG = 'Execution';

/** Final-backup snapshots (our account's only) that also match `filters`, every page, in EC2's order. */
export async function describeFinalBackups(filters: readonly Filter[]): Promise<Snapshot[]> {
  const snapshots: Snapshot[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${PURPOSE_TAG}`, Values: [FINAL_BACKUP] }, ...filters], NextToken }),
    );
    snapshots.push(...(page.Snapshots ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return snapshots;
}

/**
 * The customer's final-backup snapshots, newest first, optionally only those of one execution; failed ones
 * (`error`) are left out.
 */
export async function findFinalBackups(customerId: string, executionName?: string): Promise<Snapshot[]> {
  const snapshots = await describeFinalBackups([
    { Name: `tag:${CUSTOMER_TAG}`, Values: [customerId] },
    ...(executionName ? [{ Name: `tag:${EXECUTION_TAG}`, Values: [executionName] }] : []),
    { Name: 'status', Values: ['pending', 'completed'] },
  ]);
  return snapshots.sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0));
}

/** The volume holding the customer's data: the root device's EBS volume (our launch template has only that), else the first. */
export function dataVolumeOf(instance: Instance): string | undefined {
  const mappings = instance.BlockDeviceMappings ?? [];
  const root = mappings.find((mapping) => mapping.DeviceName === instance.RootDeviceName && mapping.Ebs?.VolumeId);
  return (root ?? mappings.find((mapping) => mapping.Ebs?.VolumeId))?.Ebs?.VolumeId;
}
