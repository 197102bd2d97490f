import type { CustomerStatus } from '../core/customer';
import { workflowStep } from '../workflows/step-kit';
import { getInfrastructure } from '../repositories/infrastructure';
import { InstanceNotFoundError } from './errors';
import { findCustomerInstance, requestStart, stateOf } from './instances';
import { ClaimContext, claimOrFail } from './ownership';

/** Resume acts on these: `resuming` (the webhook's), `suspended`, and live accounts whose instance is stopped. */
const RESUMABLE: readonly CustomerStatus[] = ['resuming', 'suspended', 'active', 'past_due'];

/**
 * "Start instance": puts this execution in charge of the account, then StartInstances on the customer's
 * stopped instance (a stopping one is started by the check loop once stopped). Hands on the address the
 * subdomain points at now, so DNS is only changed when EC2 gave the instance a new one.
 */
export const handler = workflowStep(ClaimContext, async (input) => {
  const customer = await claimOrFail(input, RESUMABLE, 'resume');
  const instance = await findCustomerInstance(input.customerId);
  if (!instance?.InstanceId) throw new InstanceNotFoundError(`Customer ${input.customerId} has no instance to start`);
  const instanceId = instance.InstanceId;
  const state = await requestStart(instanceId, stateOf(instance));
  const previousIp = (await getInfrastructure(input.customerId))?.publicIp ?? '';
  return {
    output: { instanceId, previousIp, subdomain: customer.subdomain },
    message: `Instance ${instanceId} is ${state}`,
  };
});
