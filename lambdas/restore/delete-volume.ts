import { DeleteVolumeCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { VolumeSwapError } from './errors';
import { attachmentOf, currentRestore, describeVolume, volumeOf } from './volumes';

const Input = z.extend(StepContext, { which: z.enum(['previous', 'restored']) });

/**
 * "Delete previous volume" (after the restored server passed its check) / "Delete restored volume" (after
 * a roll-back, or a restore job that failed): DeleteVolume. Gone already is done; a volume still attached
 * is never deleted (it would be the server's disk).
 */
export const handler = workflowStep(Input, async ({ customerId, which }) => {
  const record = await currentRestore(customerId);
  const volumeId = volumeOf(record, which);
  const volume = volumeId ? await describeVolume(volumeId) : undefined;
  if (!volumeId || !volume || volume.State === 'deleting' || volume.State === 'deleted') {
    return { output: { volumeId: volumeId ?? null }, message: volumeId ? `Volume ${volumeId} is deleted` : `No ${which} volume to delete` };
  }
  if (attachmentOf(volume)) throw new VolumeSwapError(`Volume ${volumeId} is still attached; it is not deleted`);
  try {
    await ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
  } catch (error) {
    if ((error as Error).name !== 'InvalidVolume.NotFound') throw error;
  }
  return { output: { volumeId }, message: `Volume ${volumeId} deleted` };
});
