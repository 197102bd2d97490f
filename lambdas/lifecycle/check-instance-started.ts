import * as z from 'zod/mini';
import { NotReadyError } from '../workflows/errors';
import { workflowStep, StepContext, text } from '../workflows/step-kit';
import { InstanceLostError } from './errors';
import { describeInstance, requestStart, stateOf } from './instances';
import { assertLifecycleOwner } from './ownership';

const Input = z.extend(StepContext, { instanceId: text() });

/**
 * "Check instance running": done once the instance runs with a public IP (a new one: EC2 releases it on
 * stop); NotReadyError before that (the Task retries it). A stopped instance (it was still stopping) is
 * started again.
 * Stops early when a workflow started later (a suspension) owns the account.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, instanceId }) => {
  await assertLifecycleOwner(customerId, executionName);
  const instance = await describeInstance(instanceId);
  const seen = stateOf(instance);
  if (!instance || seen === 'shutting-down' || seen === 'terminated') {
    throw new InstanceLostError(`Instance ${instanceId} is ${instance ? seen : 'gone'}`);
  }
  const state = await requestStart(instanceId, seen);
  const publicIp = state === 'running' ? instance.PublicIpAddress : undefined;
  if (!publicIp) throw new NotReadyError(`Instance ${instanceId} is still ${state}${state === 'running' ? ' without a public IP' : ''}`);
  return { output: { instanceId, publicIp }, message: `Instance ${instanceId} is running at ${publicIp}` };
});
