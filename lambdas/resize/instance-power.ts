import { describeInstance, requestStart, requestStop, stateOf } from '../lifecycle/instances';
import { InstanceNotFoundError, InstanceNotReadyError } from './errors';

/**
 * Asks EC2 to stop the instance (again, harmlessly, on a retry) and throws InstanceNotReadyError until it
 * is stopped: the Task's Retry is the wait.
 */
export async function ensureStopped(instanceId: string): Promise<void> {
  const instance = await describeInstance(instanceId);
  if (!instance) throw new InstanceNotFoundError(`Instance ${instanceId} is gone`);
  const state = await requestStop(instanceId, stateOf(instance));
  if (state !== 'stopped') throw new InstanceNotReadyError(`Instance ${instanceId} is ${state}`);
}

/** Starts the instance and throws InstanceNotReadyError until it runs with a public address, which it returns. */
export async function ensureRunning(instanceId: string): Promise<string> {
  const instance = await describeInstance(instanceId);
  if (!instance) throw new InstanceNotFoundError(`Instance ${instanceId} is gone`);
  const state = await requestStart(instanceId, stateOf(instance));
  if (state !== 'running' || !instance.PublicIpAddress) throw new InstanceNotReadyError(`Instance ${instanceId} is ${state}`);
  return instance.PublicIpAddress;
}
