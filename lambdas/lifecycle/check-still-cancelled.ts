import type { CustomerStatus } from '../core/customer';
import { workflowStep } from '../workflows/step-kit';
import { claimLifecycle, getLifecycleCustomer } from '../repositories/customer-lifecycle';
import { billingStanding } from './billing-standing';
import { CustomerNotFoundError } from './errors';
import { ClaimContext } from './ownership';

/**
 * Statuses deprovisioning acts on: `suspended` and `cancelled`, and `suspending` (a suspension still under
 * way, or stuck: the claim below makes that SuspendCustomer execution stand down, and the instance goes anyway).
 */
const DEPROVISIONABLE: readonly CustomerStatus[] = ['suspended', 'suspending', 'cancelled'];

/**
 * "Still cancelled?": after the retention period, re-reads the account. Deprovisioning goes on only if
 * the account is still suspended (or being suspended) or cancelled, billing is still cancelled (see billingStanding), and
 * no lifecycle workflow was started since this one (a resume after paying again); it then puts this
 * execution in charge. Anything else keeps the customer (`proceed: false`, with the reason).
 */
export const handler = workflowStep(ClaimContext, async ({ customerId, executionName, executionStartTime }) => {
  const customer = await getLifecycleCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  const keep = (reason: string) => ({ output: { proceed: false, subdomain: customer.subdomain, reason }, message: `Kept: ${reason}` });
  if (!DEPROVISIONABLE.includes(customer.status)) return keep(`the account is ${customer.status}`);
  const billing = billingStanding(customer);
  if (!billing.cancelled) return keep(`the subscription is ${billing.subscriptionStatus}`);

  const claim = await claimLifecycle(customerId, executionName, new Date(executionStartTime).toISOString(), DEPROVISIONABLE);
  switch (claim.outcome) {
    case 'missing':
      throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
    case 'superseded':
      return keep(`${claim.customer.lifecycleExecutionName} was started since`);
    case 'wrong-status':
      return keep(`the account is ${claim.customer.status}`);
    case 'claimed':
      return {
        output: { proceed: true, subdomain: customer.subdomain, reason: `subscription ${billing.subscriptionStatus ?? 'missing'}` },
        message: 'Still cancelled after the retention period: removing the stack',
      };
  }
});
