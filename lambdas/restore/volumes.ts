import { DescribeVolumesCommand, type Volume, type VolumeAttachment } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';
import { getRestore, type RestoreRecord } from '../repositories/restores';
import { RestoreNotClaimedError } from './errors';

/** Which of the restore's two volumes a swap step acts on. */
export type WhichVolume = 'previous' | 'restored';

/** One volume by id, or undefined once EC2 no longer knows it (deleted). */
export async function describeVolume(volumeId: string): Promise<Volume | undefined> {
  try {
    const result = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
    return result.Volumes?.[0];
  } catch (error) {
    if ((error as Error).name === 'InvalidVolume.NotFound') return undefined;
    throw error;
  }
}

/** The volume's attachment (any state but detached), if it has one. */
export function attachmentOf(volume: Volume): VolumeAttachment | undefined {
  return volume.Attachments?.find((attachment) => attachment.State !== 'detached');
}

/** The restore this customer's workflow acts on; every swap step reads the volume ids from it, so a roll-back-only rerun needs no state. */
export async function currentRestore(customerId: string): Promise<RestoreRecord> {
  const record = await getRestore(customerId);
  if (!record) throw new RestoreNotClaimedError(`Customer ${customerId} has no restore in progress`);
  return record;
}

/** The volume id a step acts on, from the record (undefined: the restore never got that far). */
export function volumeOf(record: RestoreRecord, which: WhichVolume): string | undefined {
  return which === 'previous' ? record.previousVolumeId : record.restoredVolumeId;
}

/** AWS Backup names what it restored by ARN; EC2 by id. */
export function volumeIdOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
