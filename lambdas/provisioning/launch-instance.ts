import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { ec2 } from '../clients/ec2';
import { config } from '../config';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { InstanceCapacityError } from './errors';
import { ATTEMPT_TAG, CUSTOMER_TAG } from './instance-tags';
import { PLANS, PLAN_NAMES, type PlanName } from '../core/plans';

/** The plan's data volume size; an unknown plan name keeps the smallest. */
const volumeGbOf = (plan: string): number => (PLAN_NAMES.includes(plan as PlanName) ? PLANS[plan as PlanName].volumeGb : PLANS.starter.volumeGb);

const Input = StepContext.extend({
  attempt: z.number().int().positive(),
  instanceType: z.enum(['t3.micro', 't3.small', 't3.medium']),
  plan: z.string().min(1),
});

const LIVE_STATES = ['pending', 'running'];

/**
 * "Launch instance": one instance from the launch template's latest version (CloudFormation never moves
 * a template's default version, so a new AMI would otherwise never be used), sized by plan. Idempotent twice over: the
 * ClientToken (customer, attempt, subnet) makes EC2 return the same instance for a repeated call, and an
 * instance already tagged for this attempt is reused. InsufficientInstanceCapacity in one subnet (AZ)
 * moves on to the next.
 */
export const handler = workflowStep('Launch instance', Input, async ({ customerId, attempt, instanceType, plan }) => {
  const existing = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${CUSTOMER_TAG}`, Values: [customerId] },
        { Name: `tag:${ATTEMPT_TAG}`, Values: [String(attempt)] },
        { Name: 'instance-state-name', Values: LIVE_STATES },
      ],
    }),
  );
  const found = existing.Reservations?.flatMap((r) => r.Instances ?? [])[0];
  if (found?.InstanceId) {
    return { output: { instanceId: found.InstanceId }, message: `Reusing instance ${found.InstanceId} launched earlier` };
  }

  const subnets = config.subnetIds();
  for (const [index, subnetId] of subnets.entries()) {
    try {
      const result = await ec2.send(
        new RunInstancesCommand({
          LaunchTemplate: { LaunchTemplateId: config.launchTemplateId(), Version: '$Latest' },
          InstanceType: instanceType,
          // Storage follows the plan (20, 50, 100 GiB), over the launch template's default size.
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: volumeGbOf(plan), VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
          SubnetId: subnetId,
          MinCount: 1,
          MaxCount: 1,
          ClientToken: `${customerId}-${attempt}-${index}`,
          TagSpecifications: ['instance', 'volume'].map((ResourceType) => ({
            ResourceType: ResourceType as 'instance' | 'volume',
            Tags: [
              { Key: CUSTOMER_TAG, Value: customerId },
              { Key: ATTEMPT_TAG, Value: String(attempt) },
              { Key: 'Plan', Value: plan },
              { Key: 'ManagedBy', Value: 'stackpro' },
            ],
          })),
        }),
      );
      const instanceId = result.Instances?.[0]?.InstanceId;
      if (!instanceId) throw new Error('RunInstances returned no instance');
      return { output: { instanceId }, message: `Launched ${instanceType} instance ${instanceId}` };
    } catch (error) {
      if ((error as Error).name !== 'InsufficientInstanceCapacity') throw error;
    }
  }
  throw new InstanceCapacityError(`No capacity for ${instanceType} in any of ${subnets.length} subnets`);
});
