import { getRestore } from '../repositories/restores';
import { describeRecoveryPoint } from './recovery-points';

export type RecoveryPointCheck = 'ready' | 'not-found' | 'not-ready';

/**
 * Whether a recovery point of our vault is this customer's: AWS Backup names the volume it was taken of, and
 * that volume must be the customer's data volume now, or one a restore replaced (kept on the restore
 * record). Another customer's point and an unknown one answer alike (`not-found`), so an operator's typo can
 * never restore one tenant's data onto another's server.
 */
export async function checkRecoveryPoint(customerId: string, recoveryPointId: string, currentVolumeId: string | undefined): Promise<RecoveryPointCheck> {
  const point = await describeRecoveryPoint(recoveryPointId);
  const volumeId = point?.resourceArn?.slice(point.resourceArn.lastIndexOf('/') + 1);
  if (!point || !volumeId) return 'not-found';
  const owned = volumeId === currentVolumeId || ((await getRestore(customerId))?.formerVolumeIds ?? []).includes(volumeId);
  if (!owned) return 'not-found';
  return point.status === 'COMPLETED' ? 'ready' : 'not-ready';
}
