import * as z from 'zod';
import { nextPoll, Polls } from '../provisioning/polling';
import { workflowStep, StepContext } from '../workflows/step-kit';
import { InstanceLostError } from './errors';
import { describeInstance, requestStart, stateOf } from './instances';
import { assertLifecycleOwner } from './ownership';
import { LIFECYCLE_POLL_LIMITS } from './polling';

const Input = StepContext.extend({ instanceId: z.string().min(1), polls: Polls });

/**
 * "Check instance running" (the "Instance running?" loop): done once the instance runs with a public IP
 * (a new one: EC2 releases it on stop). A stopped instance (it was still stopping) is started again.
 * Stops early when a workflow started later (a suspension) owns the account.
 */
export const handler = workflowStep('Wait until running', Input, async ({ customerId, executionName, instanceId, polls }) => {
  const next = nextPoll(polls, LIFECYCLE_POLL_LIMITS.instanceStarted, `Instance ${instanceId} running`);
  await assertLifecycleOwner(customerId, executionName);
  const instance = await describeInstance(instanceId);
  const seen = stateOf(instance);
  if (!instance || seen === 'shutting-down' || seen === 'terminated') {
    throw new InstanceLostError(`Instance ${instanceId} is ${instance ? seen : 'gone'}`);
  }
  const state = await requestStart(instanceId, seen);
  const publicIp = state === 'running' ? instance.PublicIpAddress : undefined;
  const done = Boolean(publicIp);
  return {
    output: { instanceId, state, publicIp: publicIp ?? null, done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? `Instance ${instanceId} is running at ${publicIp}` : `Instance ${instanceId} is ${state}`,
  };
});
