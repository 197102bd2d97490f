import * as z from 'zod/mini';
import { workflowStep, StepContext, text } from '../workflows/step-kit';
import { applyLifecycleTransition, getLifecycleCustomer } from '../repositories/customer-lifecycle';
import { CustomerNotFoundError } from './errors';

const Input = z.extend(StepContext, { snapshotId: z.nullable(text()) });

const DELETED = { website: 'deleted', crm: 'deleted', email: 'deleted' } as const;

/**
 * "Mark customer cancelled": status `cancelled`, services `deleted`, the public IP gone and the final
 * snapshot id kept on the infrastructure item, in one transaction. The account record itself stays (the
 * status route still answers). Whatever the status was: the resources are gone, so the record must say so.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, snapshotId }) => {
  const before = await getLifecycleCustomer(customerId);
  if (!before) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  const notify = before.status !== 'cancelled' || before.statusChangedBy === executionName;
  const result = await applyLifecycleTransition({
    customerId,
    executionName,
    to: 'cancelled',
    requireOwner: false,
    profile: { cancelledAt: before.status === 'cancelled' && before.cancelledAt ? before.cancelledAt : new Date().toISOString() },
    infrastructure: { services: DELETED, finalSnapshotId: snapshotId ?? undefined },
    infrastructureRemove: ['publicIp'],
  });
  if (result.outcome !== 'changed') throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  return {
    output: { status: 'cancelled', notify },
    message: snapshotId ? `Cancelled; final backup ${snapshotId} kept` : 'Cancelled; there was nothing to back up',
  };
});
