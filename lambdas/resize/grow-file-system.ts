import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { ssm } from '../clients/ssm';
import { workflowStep } from '../workflows/step-kit';
import { FileSystemGrowthError, VolumeNotReadyError } from './errors';
import { InstanceStep } from './resize-input';

/**
 * Grows the root partition and its XFS file system (Amazon Linux 2023) to the volume's new size. Safe to
 * run twice: growpart says NOCHANGE (exit 1, ignored) and xfs_growfs changes nothing.
 */
export const GROW_FILE_SYSTEM_SCRIPT = [
  'set -eu',
  'ROOT=$(findmnt -n -o SOURCE /)',
  'DISK=/dev/$(lsblk -no pkname "$ROOT")',
  'PART=$(cat /sys/class/block/$(basename "$ROOT")/partition)',
  'growpart "$DISK" "$PART" || true',
  'xfs_growfs -d /',
];

const Input = InstanceStep.extend({ commandId: z.string().min(1).optional() });

/**
 * "Grow file system": Run Command (AWS-RunShellScript) on the customer's server, then VolumeNotReadyError
 * until the command has finished. The command id comes back in the output and the next attempt's input
 * (the Retry re-sends the same input, so the step sends once and then only reads).
 */
export const handler = workflowStep('Grow file system', Input, async ({ instanceId, commandId, executionName }) => {
  if (!commandId) {
    const sent = await ssm
      .send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [instanceId],
          Comment: `StackPro resize ${executionName}`.slice(0, 100),
          Parameters: { commands: GROW_FILE_SYSTEM_SCRIPT },
          TimeoutSeconds: 300,
        }),
      )
      .catch((error: unknown) => {
        // Right after a start the SSM agent has not reported Online yet: SSM says InvalidInstanceId until it has.
        if ((error as Error).name === 'InvalidInstanceId') throw new VolumeNotReadyError(`The SSM agent on ${instanceId} is not online yet`);
        throw error;
      });
    const id = sent.Command?.CommandId;
    if (!id) throw new Error('SendCommand returned no command id');
    return { output: { commandId: id, done: false }, message: `File system growth sent (command ${id})` };
  }
  let status = 'Pending';
  try {
    status = (await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }))).Status ?? 'Pending';
  } catch (error) {
    if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
  }
  if (status === 'Success') return { output: { commandId, done: true }, message: 'File system grown' };
  if (['Pending', 'InProgress', 'Delayed'].includes(status)) throw new VolumeNotReadyError(`File system growth is ${status}`);
  throw new FileSystemGrowthError(`Growing the file system ended ${status}`);
});
