import { StartBackupJobCommand } from '@aws-sdk/client-backup';
import { backup } from '../clients/backup';
import { config } from '../config';
import { BACKUP_RETENTION_DAYS } from '../core/backups';
import { InvalidStateError, NotFoundError, ValidationError } from '../core/errors';
import { findCustomerInstance } from '../lifecycle/instances';
import { dataVolumeOf } from '../lifecycle/snapshots';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { recoveryPointsOf, volumeArn, type BackupItem } from '../backups/recovery-points';

/** One page of GET /customers/{id}/backups. */
export interface BackupPage {
  readonly items: BackupItem[];
  readonly nextCursor?: string;
}

export const BACKUP_PAGE_SIZE = 20;

/** The data volume of the customer's live server, or undefined when it has none (not provisioned yet, or removed). */
export async function customerVolumeId(customerId: string): Promise<string | undefined> {
  const instance = await findCustomerInstance(customerId);
  return instance ? dataVolumeOf(instance) : undefined;
}

/** The cursor names the last item shown (keyset), so a backup taken meanwhile neither repeats nor skips one. */
function encodeCursor(item: BackupItem): string {
  return Buffer.from(JSON.stringify([item.createdAt, item.recoveryPointId])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((part) => typeof part === 'string')) return decoded as [string, string];
  } catch {
    // answered below
  }
  throw new ValidationError([{ field: 'cursor', message: 'Not a cursor this route gave out.' }]);
}

/** The customer's recovery points, newest first, a page at a time; none while it has no server. */
export async function listCustomerBackups(customerId: string, cursor?: string): Promise<BackupPage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const volumeId = await customerVolumeId(customerId);
  if (!volumeId) return { items: [] };
  const all = await recoveryPointsOf(volumeId);
  const start = after ? all.findIndex((item) => item.createdAt < after[0] || (item.createdAt === after[0] && item.recoveryPointId < after[1])) : 0;
  const items = start === -1 ? [] : all.slice(start, start + BACKUP_PAGE_SIZE);
  const last = items.at(-1);
  const more = start !== -1 && start + BACKUP_PAGE_SIZE < all.length;
  return more && last ? { items, nextCursor: encodeCursor(last) } : { items };
}

/**
 * An on-demand AWS Backup job of the customer's data volume, kept as long as the plan's daily ones. The
 * idempotency token is the customer and the minute: a burst of "back up now" starts one job, whose id every
 * caller gets back.
 */
export async function backUpNow(customerId: string, options: { withBody?: boolean; now?: Date } = {}): Promise<{ backupJobId: string }> {
  const customer = await getCustomer(customerId);
  if (!customer) throw new NotFoundError('customer');
  // The route takes no body; one sent anyway (even `{}`) is a caller's mistake: 400, and no backup.
  if (options.withBody) throw new ValidationError([{ field: 'body', message: 'This route takes no body.' }]);
  const now = options.now ?? new Date();
  const volumeId = await customerVolumeId(customerId);
  if (!volumeId) throw new InvalidStateError('This customer has no server to back up.');
  const minute = now.toISOString().slice(0, 16);
  const job = await backup.send(
    new StartBackupJobCommand({
      BackupVaultName: config.backupVaultName(),
      ResourceArn: volumeArn(volumeId),
      IamRoleArn: config.backupRoleArn(),
      IdempotencyToken: `${customerId}-${minute}`,
      Lifecycle: { DeleteAfterDays: BACKUP_RETENTION_DAYS[customer.plan] },
    }),
  );
  if (!job.BackupJobId) throw new Error('StartBackupJob returned no job id');
  logger.info('On-demand backup started', { customerId, backupJobId: job.BackupJobId });
  return { backupJobId: job.BackupJobId };
}
