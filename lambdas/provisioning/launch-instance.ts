import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { ec2 } from '../clients/ec2';
import { config } from '../config';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { endCapacityWait, startCapacityWait } from '../repositories/customer-lifecycle';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { CapacityWaitExpiredError, InstanceCapacityError, StaleExecutionError } from './errors';
import { ATTEMPT_TAG, CUSTOMER_TAG } from './instance-tags';
import { PLANS, PLAN_NAMES, type PlanName } from '../core/plans';

/** The plan's data volume size; an unknown plan name keeps the smallest. */
const volumeGbOf = (plan: string): number => (PLAN_NAMES.includes(plan as PlanName) ? PLANS[plan as PlanName].volumeGb : PLANS.starter.volumeGb);

const Input = z.extend(StepContext, {
  attempt: z.number().check(z.int(), z.positive()),
  instanceType: z.enum(['t3.micro', 't3.small', 't3.medium']),
  plan: text(),
  /** `$$.Execution.StartTime`: the capacity wait counts from it. */
  executionStartTime: z.iso.datetime({ offset: true }),
  /** The capacity wait, substituted into the ASL from the deployment's settings (a string there). */
  capacityWaitSeconds: z.coerce.number().check(z.int(), z.nonnegative()),
});

/** Per subnet: no capacity for the type, or no address left; the next subnet (AZ) may have both. */
const SUBNET_SHORTAGES = new Set(['InsufficientInstanceCapacity', 'InsufficientAddressCapacity', 'InsufficientFreeAddressesInSubnet']);
/** Account-wide: no other subnet will do better. */
const ACCOUNT_SHORTAGES = new Set(['VcpuLimitExceeded']);

const LIVE_STATES = ['pending', 'running'];

/**
 * "Launch instance": one instance from the launch template's latest version (CloudFormation never moves
 * a template's default version, so a new AMI would otherwise never be used), sized by plan. Idempotent twice over: the
 * ClientToken (customer, attempt, subnet) makes EC2 return the same instance for a repeated call, and an
 * instance already tagged for this attempt is reused. No capacity or no address in one subnet (AZ) moves
 * on to the next; when none has room, or the account's vCPU quota is used up, the customer waits for capacity.
 */
export const handler = workflowStep(Input, async (input) => {
  const { customerId, executionName } = input;
  const launched = await launch(input);
  if (launched) {
    await endCapacityWait(customerId, executionName);
    return { output: launched.output, message: launched.message };
  }
  return waitForCapacity(input);
});

type LaunchInput = z.infer<typeof Input>;

/**
 * No room for the server: the account says `waiting_for_capacity` (counted once, for the operators' alarm)
 * and InstanceCapacityError lets the Task retry with backoff, until the capacity wait, counted from the
 * execution's start, has run out.
 */
async function waitForCapacity({ customerId, executionName, instanceType, executionStartTime, capacityWaitSeconds }: LaunchInput): Promise<never> {
  const waited = (Date.now() - Date.parse(executionStartTime)) / 1000;
  const hours = capacityWaitSeconds >= 3600 ? plural(Math.round((capacityWaitSeconds / 3600) * 10) / 10, 'hour') : plural(Math.round(capacityWaitSeconds / 60), 'minute');
  if (waited >= capacityWaitSeconds) {
    throw new CapacityWaitExpiredError(`No server capacity for ${instanceType} became available within ${hours}`);
  }
  const wait = await startCapacityWait(customerId, executionName);
  if (!wait) throw new StaleExecutionError(`Execution ${executionName} is no longer in charge of this customer`);
  if (wait.started) {
    logger.warn('Customer waiting for EC2 capacity', { customerId, executionName, instanceType });
    metrics.addMetric(METRICS.capacityWaitStarted, MetricUnit.Count, 1);
    publishMetrics();
  }
  throw new InstanceCapacityError(`Waiting for server capacity for ${instanceType} (up to ${hours})`);
}

/** The instance this attempt launched (or had launched), or undefined when EC2 had no room for it. */
async function launch({ customerId, attempt, instanceType, plan }: LaunchInput): Promise<{ output: { instanceId: string }; message: string } | undefined> {
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
      const name = (error as Error).name;
      if (ACCOUNT_SHORTAGES.has(name)) return undefined;
      if (!SUBNET_SHORTAGES.has(name)) throw error;
    }
  }
  return undefined;
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
