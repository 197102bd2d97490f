import * as z from 'zod/mini';
import type { CustomerStatus } from '../core/customer';
import { claimLifecycle, getLifecycleCustomer, type LifecycleCustomer } from '../repositories/customer-lifecycle';
import { StepContext } from '../workflows/step-kit';
import { CustomerNotFoundError, CustomerStatusConflictError, StaleExecutionError } from './errors';

/** The first step of each lifecycle workflow also gets `$$.Execution.StartTime`, to claim the account. */
export const ClaimContext = z.extend(StepContext, { executionStartTime: z.iso.datetime() });

/**
 * Puts this execution in charge of the account (see claimLifecycle), or fails with the error the state
 * machine routes: CustomerNotFoundError, StaleExecutionError (a newer workflow owns it) or
 * CustomerStatusConflictError (a status this workflow does not act on; nothing was touched).
 */
export async function claimOrFail(
  input: { customerId: string; executionName: string; executionStartTime: string },
  allowed: readonly CustomerStatus[],
  what: string,
): Promise<LifecycleCustomer> {
  const startedAt = new Date(input.executionStartTime).toISOString();
  const claim = await claimLifecycle(input.customerId, input.executionName, startedAt, allowed);
  switch (claim.outcome) {
    case 'claimed':
      return claim.customer;
    case 'missing':
      throw new CustomerNotFoundError(`Customer ${input.customerId} does not exist`);
    case 'superseded':
      throw new StaleExecutionError(`${claim.customer.lifecycleExecutionName} was started later and is in charge of this customer`);
    case 'wrong-status':
      throw new CustomerStatusConflictError(`Cannot ${what} a customer whose status is ${claim.customer.status}`);
  }
}

/** Fails with StaleExecutionError once a lifecycle workflow started later has claimed the account. */
export async function assertLifecycleOwner(customerId: string, executionName: string): Promise<LifecycleCustomer> {
  const customer = await getLifecycleCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  if (customer.lifecycleExecutionName !== executionName) {
    throw new StaleExecutionError(`${customer.lifecycleExecutionName ?? 'Another execution'} is in charge of this customer now`);
  }
  return customer;
}
