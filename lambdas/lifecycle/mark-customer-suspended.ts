import * as z from 'zod/mini';
import { workflowStep, StepContext } from '../workflows/step-kit';
import { putLapseMarker } from '../repositories/billing-lapses';
import { applyLifecycleTransition } from '../repositories/customer-lifecycle';
import { updateInfrastructure } from '../repositories/infrastructure';
import { CustomerNotFoundError, CustomerStatusConflictError, StaleExecutionError } from './errors';
import { SuspensionReason } from './suspension-reason';

const Input = z.extend(StepContext, { reason: SuspensionReason });

const SUSPENDED = { website: 'suspended', crm: 'suspended', email: 'suspended' } as const;

/**
 * "Mark customer suspended": status `suspended` and every service `suspended`, in one transaction, only
 * from `active`, `past_due` or `suspending` and only by the execution in charge. A cancelled customer is
 * left alone; an account already suspended stays so. `notify` says whether this execution made the change
 * (and so owes the customer the email); a retry after its own write still says yes.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, reason }) => {
  const suspendedAt = new Date().toISOString();
  // First, so no suspension lacks one: the retention sweep finds it by time (a stale one is dropped there).
  await putLapseMarker(customerId, suspendedAt);
  const result = await applyLifecycleTransition({
    customerId,
    executionName,
    to: 'suspended',
    from: ['active', 'past_due', 'suspending'],
    profile: { suspendedAt, suspensionReason: reason },
    infrastructure: { services: SUSPENDED },
  });
  if (result.outcome === 'changed') return { output: { status: 'suspended', notify: true }, message: `Suspended (${reason})` };

  const customer = result.customer;
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  if (customer.lifecycleExecutionName !== executionName) {
    throw new StaleExecutionError(`${customer.lifecycleExecutionName ?? 'Another execution'} is in charge of this customer now`);
  }
  switch (customer.status) {
    case 'suspended': {
      const mine = customer.statusChangedBy === executionName;
      if (!mine) await updateInfrastructure(customerId, { services: SUSPENDED });
      return { output: { status: 'suspended', notify: mine }, message: mine ? `Suspended (${reason})` : 'Already suspended' };
    }
    case 'cancelled':
      return { output: { status: 'cancelled', notify: false }, message: 'Left alone: the customer is cancelled' };
    case 'resuming':
      // The webhook asked for a resume since this suspension started; its workflow takes over.
      throw new StaleExecutionError('A resume was requested since this suspension started');
    default:
      throw new CustomerStatusConflictError(`Cannot suspend a customer whose status is ${customer.status}`);
  }
});
