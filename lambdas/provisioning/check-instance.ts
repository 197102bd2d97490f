import * as z from 'zod/mini';
import { describeInstance } from './describe-instance';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { InstanceLostError } from './errors';

const Input = z.extend(StepContext, { instanceId: text() });

/**
 * "Check instance": done once the instance runs and has its public IP; NotReadyError before that (the
 * Task retries it every few seconds, up to its bound). An instance that stops or terminates on its own
 * fails the step.
 */
export const handler = workflowStep(Input, async ({ instanceId }) => {
  const instance = await describeInstance(instanceId);
  const state = instance?.State?.Name ?? 'pending';
  if (['shutting-down', 'terminated', 'stopping', 'stopped'].includes(state)) {
    throw new InstanceLostError(`Instance ${instanceId} is ${state}`);
  }
  const publicIp = instance?.PublicIpAddress;
  if (state !== 'running' || !publicIp) {
    throw new NotReadyError(`Instance ${instanceId} is still ${state}${state === 'running' ? ' without a public IP' : ''}`);
  }
  return { output: { instanceId, publicIp }, message: `Instance ${instanceId} is running at ${publicIp}` };
});
