import { describeInstance, requestStart, requestStop, stateOf } from '../lifecycle/instances';
import { InstanceNotFoundError, NotReadyError } from './errors';

/**
 * Asks EC2 to stop the instance (again, harmlessly, on a retry) and throws NotReadyError until it
 * is stopped: the Task's Retry is the wait.
 */
export async function ensureStopped(instanceId: string): Promise<void> {
  const instance = await describeInstance(instanceId);
  if (!instance) throw new InstanceNotFoundError(`Instance ${instanceId} is gone`);
  const state = await requestStop(instanceId, stateOf(instance));
  if (state !== 'stopped') throw new NotReadyError(`Instance ${instanceId} is still ${state}`);
}

/** Starts the instance and throws NotReadyError until it runs with a public address, which it returns. */
export async function ensureRunning(instanceId: string): Promise<string> {
  const instance = await describeInstance(instanceId);
  if (!instance) throw new InstanceNotFoundError(`Instance ${instanceId} is gone`);
  const state = await requestStart(instanceId, stateOf(instance));
  if (state !== 'running' || !instance.PublicIpAddress) throw new NotReadyError(`Instance ${instanceId} is still ${state}`);
  return instance.PublicIpAddress;
}
