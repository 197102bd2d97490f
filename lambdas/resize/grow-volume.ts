import { DescribeVolumesCommand, DescribeVolumesModificationsCommand, ModifyVolumeCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { PLANS } from '../core/plans';
import { text, workflowStep } from '../workflows/step-kit';
import { NotReadyError } from './errors';
import { ResizeContext } from './resize-input';

const Input = z.extend(ResizeContext, { volumeId: text() });

/** EC2 lets the file system grow once a modification is optimizing (or done). */
const GROWABLE = ['optimizing', 'completed'];

/**
 * "Grow data volume": storage follows the plan (20, 50, 100 GiB). ModifyVolume, online, when the volume is
 * smaller than the target plan's; a larger one stays (EBS cannot shrink: a downgrade keeps it). Then
 * NotReadyError until the modification lets the file system grow. A retry reuses the modification
 * under way instead of asking again (EC2 allows one every six hours per volume).
 */
export const handler = workflowStep(Input, async ({ volumeId, toPlan }) => {
  const targetGb = PLANS[toPlan].volumeGb;
  const { Volumes } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  const size = Volumes?.[0]?.Size ?? 0;
  const { VolumesModifications } = await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }));
  const modification = VolumesModifications?.find((one) => (one.TargetSize ?? 0) >= targetGb && one.ModificationState !== 'failed');
  if (!modification) {
    if (size >= targetGb) return { output: { grown: false, sizeGb: size }, message: `Volume ${volumeId} keeps its ${size} GiB` };
    await ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: targetGb }));
    throw new NotReadyError(`Volume ${volumeId} is growing to ${targetGb} GiB`);
  }
  if (!GROWABLE.includes(modification.ModificationState ?? '')) {
    throw new NotReadyError(`Volume ${volumeId} modification is ${modification.ModificationState}`);
  }
  return { output: { grown: true, sizeGb: modification.TargetSize ?? targetGb }, message: `Volume ${volumeId} grown to ${modification.TargetSize ?? targetGb} GiB` };
});
