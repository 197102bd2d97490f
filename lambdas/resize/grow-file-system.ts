import * as z from 'zod/mini';
import { text, workflowStep } from '../workflows/step-kit';
import { FileSystemGrowthError } from './errors';
import { InstanceStep } from './resize-input';
import { sendShellCommand, shellCommandOutcome } from './shell-command';

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

const Input = z.extend(InstanceStep, { commandId: z.optional(text()) });

/**
 * "Grow file system" then "Check file system grown": Run Command (AWS-RunShellScript) on the customer's
 * server, then NotReadyError until the command has finished. The command id comes back in the output and
 * the next state's input (the Retry re-sends the same input, so the first state sends and the second only reads).
 */
export const handler = workflowStep(Input, async ({ instanceId, commandId, executionName }) => {
  if (!commandId) {
    const id = await sendShellCommand(instanceId, `StackPro resize ${executionName}`, GROW_FILE_SYSTEM_SCRIPT, 300);
    return { output: { commandId: id, done: false }, message: `File system growth sent (command ${id})` };
  }
  const status = await shellCommandOutcome(instanceId, commandId, 'File system growth');
  if (status === 'Success') return { output: { commandId, done: true }, message: 'File system grown' };
  throw new FileSystemGrowthError(`Growing the file system ended ${status}`);
});
