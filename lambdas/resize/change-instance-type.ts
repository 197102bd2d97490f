import { ModifyInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';
import { PLANS } from '../core/plans';
import { describeInstance } from '../lifecycle/instances';
import { workflowStep } from '../workflows/step-kit';
import { InstanceNotFoundError } from './errors';
import { InstanceStep } from './resize-input';

/** "Change instance type": ModifyInstanceAttribute to the target plan's type; already that type is done. */
export const handler = workflowStep(InstanceStep, async ({ instanceId, toPlan }) => {
  const instanceType = PLANS[toPlan].instanceType;
  const instance = await describeInstance(instanceId);
  if (!instance) throw new InstanceNotFoundError(`Instance ${instanceId} is gone`);
  if (instance.InstanceType === instanceType) return { output: { instanceType }, message: `Instance ${instanceId} is ${instanceType} already` };
  // EC2 answers IncorrectInstanceState unless the instance is stopped: the previous step saw to that.
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: instanceType } }));
  return { output: { instanceType }, message: `Instance ${instanceId} is now ${instanceType}` };
});
