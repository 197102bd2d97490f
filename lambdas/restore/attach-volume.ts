import { AttachVolumeCommand, ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { VolumeSwapError } from './errors';
import { attachmentOf, currentRestore, describeVolume, volumeOf } from './volumes';

const Input = z.extend(StepContext, { which: z.enum(['previous', 'restored']) });

/**
 * "Attach restored volume" / "Attach previous volume": AttachVolume at the device the previous volume had
 * (the root device), then NotReadyError until EC2 says attached (the Task retries it); then it is set to be
 * deleted with the server, as the launch's root volume was. Already attached to the server at that device is
 * done (a roll-back whose swap never started).
 */
export const handler = workflowStep(Input, async ({ customerId, which }) => {
  const record = await currentRestore(customerId);
  const volumeId = volumeOf(record, which);
  const volume = volumeId ? await describeVolume(volumeId) : undefined;
  if (!volumeId || !volume || !record.instanceId || !record.device) throw new VolumeSwapError(`The ${which} volume ${volumeId ?? '(unknown)'} cannot be attached: it does not exist`);
  const attachment = attachmentOf(volume);
  if (attachment) {
    if (attachment.InstanceId !== record.instanceId || attachment.Device !== record.device) {
      throw new VolumeSwapError(`Volume ${volumeId} is attached elsewhere`);
    }
    if (attachment.State === 'attached') {
      // AttachVolume leaves DeleteOnTermination false: a restored root volume would outlive its server (and cost).
      if (!attachment.DeleteOnTermination) {
        await ec2.send(
          new ModifyInstanceAttributeCommand({ InstanceId: record.instanceId, BlockDeviceMappings: [{ DeviceName: record.device, Ebs: { DeleteOnTermination: true } }] }),
        );
      }
      return { output: { volumeId }, message: `Volume ${volumeId} is attached at ${record.device}` };
    }
    throw new NotReadyError(`Volume ${volumeId} is ${attachment.State ?? 'attaching'}`);
  }
  if (volume.State !== 'available') throw new NotReadyError(`Volume ${volumeId} is ${volume.State ?? 'not available yet'}`);
  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: record.instanceId, Device: record.device }));
  throw new NotReadyError(`Volume ${volumeId} is attaching at ${record.device}`);
});
