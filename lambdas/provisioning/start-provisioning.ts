import { StepContext, workflowStep } from '../workflows/step-kit';
import { CustomerNotFoundError, StaleExecutionError } from './errors';
import { PLANS } from '../core/plans';
import { getCustomer } from '../repositories/accounts';

export interface CustomerFacts {
  readonly plan: string;
  readonly instanceType: string;
  readonly subdomain: string;
}

/**
 * "Start provisioning": checks that the customer exists and that this execution is the one in charge
 * (an operator's retry starts a new one), and hands the later steps what they need, ids only.
 */
export const handler = workflowStep(StepContext, async ({ customerId, executionName }) => {
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  // Nothing is provisioned for an unverified email, whoever started the execution: it ends untouched.
  if (customer.status === 'pending_verification') {
    throw new StaleExecutionError(`Customer ${customerId} has not verified their email`);
  }
  if (customer.provisioningExecutionName !== executionName) {
    throw new StaleExecutionError(`Execution ${executionName} is not the current provisioning of this customer`);
  }
  const output: CustomerFacts = { plan: customer.plan, instanceType: PLANS[customer.plan].instanceType, subdomain: customer.subdomain };
  return { output, message: `Provisioning ${customer.plan} plan on ${output.instanceType} for ${customer.subdomain}` };
});
