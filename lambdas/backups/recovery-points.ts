import { DescribeRecoveryPointCommand, ListRecoveryPointsByResourceCommand, type RecoveryPointByResource } from '@aws-sdk/client-backup';
import { backup } from '../clients/backup';
import { config } from '../config';

/** One of a customer's backups as the API shows it; `sizeBytes` and `expiresAt` only when AWS Backup knows them. */
export interface BackupItem {
  readonly recoveryPointId: string;
  readonly createdAt: string;
  readonly status: string;
  readonly sizeBytes?: number;
  readonly expiresAt?: string;
}

/** An EBS recovery point is a snapshot: its id is the snapshot id, its ARN `arn:...:ec2:<region>::snapshot/<id>`. */
export const RECOVERY_POINT_ID = /^snap-[0-9a-f]{8,17}$/;

/** The volume's ARN, AWS Backup's name for the resource. */
export function volumeArn(volumeId: string): string {
  return `${config.volumeArnPrefix()}${volumeId}`;
}

/** The recovery point ARN of an EBS snapshot id: snapshot ARNs carry no account id. */
export function recoveryPointArn(recoveryPointId: string): string {
  const [arn, partition, service, region] = config.volumeArnPrefix().split(':');
  return `${arn}:${partition}:${service}:${region}::snapshot/${recoveryPointId}`;
}

function idOf(recoveryPointArnValue: string): string {
  return recoveryPointArnValue.slice(recoveryPointArnValue.lastIndexOf('/') + 1);
}

/**
 * Every recovery point AWS Backup holds for the volume, in our vault only, newest first. A customer keeps at
 * most 30 daily points plus the on-demand ones, so reading all pages is cheap and lets the API sort them.
 */
export async function recoveryPointsOf(volumeId: string): Promise<BackupItem[]> {
  const points: RecoveryPointByResource[] = [];
  let NextToken: string | undefined;
  do {
    const page = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: volumeArn(volumeId), NextToken, MaxResults: 100 }));
    points.push(...(page.RecoveryPoints ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return points
    .filter((point) => point.RecoveryPointArn && point.CreationDate && point.BackupVaultName === config.backupVaultName())
    .map((point) => ({
      recoveryPointId: idOf(point.RecoveryPointArn!),
      createdAt: point.CreationDate!.toISOString(),
      status: point.Status ?? 'UNKNOWN',
      ...(point.BackupSizeBytes !== undefined ? { sizeBytes: point.BackupSizeBytes } : {}),
    }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.recoveryPointId.localeCompare(a.recoveryPointId));
}

/** The recovery point's resource and status, or undefined when our vault has no such point. */
export async function describeRecoveryPoint(recoveryPointId: string): Promise<{ resourceArn?: string; status?: string } | undefined> {
  try {
    const point = await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: config.backupVaultName(), RecoveryPointArn: recoveryPointArn(recoveryPointId) }),
    );
    return { resourceArn: point.ResourceArn, status: point.Status };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}
