import { DetachVolumeCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { VolumeSwapError } from './errors';
import { attachmentOf, currentRestore, describeVolume, volumeOf } from './volumes';

const Input = z.extend(StepContext, { which: z.enum(['previous', 'restored']) });

/**
 * "Detach current volume" / "Detach restored volume": DetachVolume from the customer's server, then
 * NotReadyError until EC2 says the volume is available (the Task retries it). Nothing to do when the volume
 * is not attached (a roll-back before the swap reached it) or, for the restored one, was never made.
 * The volume itself is never deleted here.
 */
export const handler = workflowStep(Input, async ({ customerId, which }) => {
  const record = await currentRestore(customerId);
  const volumeId = volumeOf(record, which);
  const volume = volumeId ? await describeVolume(volumeId) : undefined;
  if (!volumeId || !volume) {
    if (which === 'restored') return { output: { volumeId: volumeId ?? null }, message: 'No restored volume to detach' };
    throw new VolumeSwapError(`The previous volume ${volumeId ?? '(unknown)'} no longer exists`);
  }
  const attachment = attachmentOf(volume);
  if (!attachment) return { output: { volumeId }, message: `Volume ${volumeId} is detached` };
  if (attachment.InstanceId !== record.instanceId) throw new VolumeSwapError(`Volume ${volumeId} is attached to another instance`);
  if (attachment.State === 'attached') {
    await ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: record.instanceId }));
    throw new NotReadyError(`Volume ${volumeId} is detaching`);
  }
  throw new NotReadyError(`Volume ${volumeId} is ${attachment.State ?? 'detaching'}`);
});
