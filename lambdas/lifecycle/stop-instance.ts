import * as z from 'zod/mini';
import type { CustomerStatus } from '../core/customer';
import { workflowStep, type StepOutcome } from '../workflows/step-kit';
import { InstanceNotFoundError } from './errors';
import { findCustomerInstance, type InstanceState, requestStop, stateOf } from './instances';
import { ClaimContext, claimOrFail } from './ownership';
import { SuspensionReason } from './suspension-reason';

/** Suspend acts on these; `cancelled` only to stop a leftover instance (the status is left alone). */
const SUSPENDABLE: readonly CustomerStatus[] = ['active', 'past_due', 'suspending', 'suspended', 'cancelled'];

const Input = z.extend(ClaimContext, { reason: SuspensionReason });

/** `instanceId` null: a cancelled customer with no instance left (nothing to stop). */
interface StopRequested {
  readonly instanceId: string | null;
  readonly state: InstanceState | 'none';
  readonly done: boolean;
}

/**
 * "Stop instance": puts this execution in charge of the account, then StopInstances on the customer's
 * instance (recorded by provisioning, or found by its Customer tag). Already stopping or stopped is
 * fine; a pending one is stopped by the check loop once it runs. Nothing is deleted.
 */
export const handler = workflowStep(Input, async (input): Promise<StepOutcome<StopRequested>> => {
  const customer = await claimOrFail(input, SUSPENDABLE, 'suspend');
  const instance = await findCustomerInstance(input.customerId);
  if (!instance?.InstanceId) {
    if (customer.status === 'cancelled') {
      return { output: { instanceId: null, state: 'none', done: true }, message: 'No instance left: the customer is cancelled already' };
    }
    throw new InstanceNotFoundError(`Customer ${input.customerId} has no instance to stop`);
  }
  const instanceId = instance.InstanceId;
  const state = await requestStop(instanceId, stateOf(instance));
  const done = state === 'stopped';
  return {
    output: { instanceId, state, done },
    message: done ? `Instance ${instanceId} is stopped` : `Instance ${instanceId} is ${state === 'stopping' ? 'stopping' : `${state}, stop pending`}`,
  };
});
