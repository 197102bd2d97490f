import * as z from 'zod/mini';
import { NotReadyError } from '../workflows/errors';
import { workflowStep, StepContext, text } from '../workflows/step-kit';
import { InstanceLostError } from './errors';
import { describeInstance, requestStop, stateOf } from './instances';
import { assertLifecycleOwner } from './ownership';

const Input = z.extend(StepContext, { instanceId: text() });

/**
 * "Check instance stopped": done once EC2 says stopped, NotReadyError before (the Task retries it). A running instance
 * (pending when the stop was asked, or a stop that was lost) is asked to stop again. Stops early when a
 * workflow started later (a resume) owns the account, so the two never fight over the instance.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, instanceId }) => {
  await assertLifecycleOwner(customerId, executionName);
  const instance = await describeInstance(instanceId);
  const seen = stateOf(instance);
  if (!instance || seen === 'shutting-down' || seen === 'terminated') {
    throw new InstanceLostError(`Instance ${instanceId} is ${instance ? seen : 'gone'}`);
  }
  const state = await requestStop(instanceId, seen);
  if (state !== 'stopped') throw new NotReadyError(`Instance ${instanceId} is still ${state}`);
  return { output: { instanceId, state }, message: `Instance ${instanceId} is stopped` };
});
