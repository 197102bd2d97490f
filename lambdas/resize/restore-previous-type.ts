import { ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { describeInstance } from '../lifecycle/instances';
import { updateInfrastructure } from '../repositories/infrastructure';
import { text, workflowStep } from '../workflows/step-kit';
import { InstanceNotFoundError } from './errors';
import { ensureRunning, ensureStopped } from './instance-power';
import { ResizeContext } from './resize-input';

const Input = z.extend(ResizeContext, { instanceId: text(), previousType: text() });

/**
 * "Put back previous type" (after any failure): the instance ends running on the type it had, whatever
 * step failed. Stopped first only when the type must change (EC2 changes it only then), then started;
 * NotReadyError while it moves (the Task's Retry is the wait). Re-runnable from any point.
 */
export const handler = workflowStep(Input, async ({ customerId, instanceId, previousType }) => {
  const instance = await describeInstance(instanceId);
  if (!instance) throw new InstanceNotFoundError(`Instance ${instanceId} is gone`);
  if (instance.InstanceType !== previousType) {
    await ensureStopped(instanceId);
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: previousType } }));
  }
  const publicIp = await ensureRunning(instanceId);
  await updateInfrastructure(customerId, { publicIp });
  return { output: { publicIp }, message: `Instance ${instanceId} runs on ${previousType} again at ${publicIp}` };
});
