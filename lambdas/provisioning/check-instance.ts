import * as z from 'zod';
import { describeInstance } from './describe-instance';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { InstanceLostError } from './errors';
import { POLL_LIMITS, Polls, nextPoll } from './polling';

const Input = StepContext.extend({ instanceId: z.string().min(1), polls: Polls });

/**
 * "Check instance" (the "Instance running?" loop): done once the instance runs and has its public IP.
 * An instance that stops or terminates on its own fails the step; a bounded number of polls.
 */
export const handler = workflowStep('Wait until running', Input, async ({ instanceId, polls }) => {
  const next = nextPoll(polls, POLL_LIMITS.instanceRunning, `Instance ${instanceId} running`);
  const instance = await describeInstance(instanceId);
  const state = instance?.State?.Name ?? 'pending';
  if (['shutting-down', 'terminated', 'stopping', 'stopped'].includes(state)) {
    throw new InstanceLostError(`Instance ${instanceId} is ${state}`);
  }
  const publicIp = instance?.PublicIpAddress;
  const done = state === 'running' && Boolean(publicIp);
  return {
    output: { instanceId, state, publicIp: publicIp ?? null, done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? `Instance ${instanceId} is running at ${publicIp}` : `Instance ${instanceId} is ${state}`,
  };
});

