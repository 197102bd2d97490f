import type { CustomerStatus } from '../core/customer';
import { InstanceNotFoundError } from '../lifecycle/errors';
import { describeInstance, requestStop, stateOf } from '../lifecycle/instances';
import { ClaimContext, claimOrFail } from '../lifecycle/ownership';
import { workflowStep } from '../workflows/step-kit';
import { currentRestore } from './volumes';

/** A restore stops the server of a live account only (past_due keeps its service up too). */
const RESTORABLE: readonly CustomerStatus[] = ['active', 'past_due'];

/**
 * "Stop instance": puts this execution in charge of the account (a suspend started later then wins, and
 * this restore rolls back), then StopInstances on the server the restore job was started for: a root
 * volume can only be swapped while the server is stopped. Already stopping or stopped is fine.
 */
export const handler = workflowStep(ClaimContext, async (input) => {
  await claimOrFail(input, RESTORABLE, 'restore');
  const { instanceId } = await currentRestore(input.customerId);
  const instance = instanceId ? await describeInstance(instanceId) : undefined;
  if (!instanceId || !instance) throw new InstanceNotFoundError(`Customer ${input.customerId} has no server to restore onto`);
  const state = await requestStop(instanceId, stateOf(instance));
  return { output: { instanceId, state }, message: `Instance ${instanceId} is ${state}` };
});
