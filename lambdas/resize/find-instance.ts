import { PLANS } from '../core/plans';
import { getCustomer } from '../repositories/accounts';
import { findCustomerInstance } from '../lifecycle/instances';
import { dataVolumeOf } from '../lifecycle/snapshots';
import { workflowStep } from '../workflows/step-kit';
import { CustomerNotFoundError, InstanceNotFoundError, PlanChangeMismatchError } from './errors';
import { ResizeContext } from './resize-input';

/**
 * "Find instance": the change must still be the account's pending one (a resize of a superseded change
 * does nothing), and the customer's instance, its type and data volume are read once for every later step
 * (the type is what a failure puts back). An instance on the target's type already is one a stopped resize
 * changed (the stopped-execution handler's rerun): what it puts back is the previous plan's type.
 */
export const handler = workflowStep(ResizeContext, async ({ customerId, changeId, fromPlan, toPlan }) => {
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  if (customer.pendingPlan !== toPlan || customer.planChange?.changeId !== changeId) {
    throw new PlanChangeMismatchError(`Plan change ${changeId} is not pending for ${customerId}`);
  }
  const instance = await findCustomerInstance(customerId);
  if (!instance?.InstanceId || !instance.InstanceType) throw new InstanceNotFoundError(`Customer ${customerId} has no instance to resize`);
  const volumeId = dataVolumeOf(instance);
  if (!volumeId) throw new InstanceNotFoundError(`Instance ${instance.InstanceId} has no data volume`);
  const target = PLANS[toPlan].instanceType;
  const previousType = instance.InstanceType === target && PLANS[fromPlan].instanceType !== target ? PLANS[fromPlan].instanceType : instance.InstanceType;
  return {
    output: { instanceId: instance.InstanceId, previousType, volumeId, subdomain: customer.subdomain },
    message: `Resizing ${instance.InstanceId} (${instance.InstanceType}; a failure puts back ${previousType})`,
  };
});
