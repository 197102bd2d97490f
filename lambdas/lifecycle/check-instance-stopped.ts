import * as z from 'zod';
import { nextPoll, Polls } from '../provisioning/polling';
import { workflowStep, StepContext } from '../workflows/step-kit';
import { InstanceLostError } from './errors';
import { describeInstance, requestStop, stateOf } from './instances';
import { assertLifecycleOwner } from './ownership';
import { LIFECYCLE_POLL_LIMITS } from './polling';

const Input = StepContext.extend({ instanceId: z.string().min(1), polls: Polls });

/**
 * "Check instance stopped" (the "Instance stopped?" loop): done once EC2 says stopped. A running instance
 * (pending when the stop was asked, or a stop that was lost) is asked to stop again. Stops early when a
 * workflow started later (a resume) owns the account, so the two never fight over the instance.
 */
export const handler = workflowStep('Wait until stopped', Input, async ({ customerId, executionName, instanceId, polls }) => {
  const next = nextPoll(polls, LIFECYCLE_POLL_LIMITS.instanceStopped, `Instance ${instanceId} stopped`);
  await assertLifecycleOwner(customerId, executionName);
  const instance = await describeInstance(instanceId);
  const seen = stateOf(instance);
  if (!instance || seen === 'shutting-down' || seen === 'terminated') {
    throw new InstanceLostError(`Instance ${instanceId} is ${instance ? seen : 'gone'}`);
  }
  const state = await requestStop(instanceId, seen);
  const done = state === 'stopped';
  return {
    output: { instanceId, state, done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? `Instance ${instanceId} is stopped` : `Instance ${instanceId} is ${state}`,
  };
});
