import * as z from 'zod/mini';
import { emailServiceState } from '../provisioning/email-service-state';
import { workflowStep, StepContext, text } from '../workflows/step-kit';
import { applyLifecycleTransition } from '../repositories/customer-lifecycle';
import { updateInfrastructure } from '../repositories/infrastructure';
import { CustomerNotFoundError, CustomerStatusConflictError, StaleExecutionError } from './errors';

const Input = z.extend(StepContext, { instanceId: text(), publicIp: z.ipv4(), subdomain: text() });

/**
 * "Mark customer active": status `active` with the instance's new public IP and its services running,
 * in one transaction, only from `resuming` or `suspended` and only by the execution in charge. An account
 * that is live already (`active`, `past_due`) keeps its status and gets the new IP. `notify` says whether
 * this execution made the change.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, instanceId, publicIp, subdomain }) => {
  const services = { website: 'running', crm: 'running', email: await emailServiceState(subdomain) } as const;
  const infrastructure = { instanceId, publicIp, services };
  const result = await applyLifecycleTransition({
    customerId,
    executionName,
    to: 'active',
    from: ['resuming', 'suspended'],
    profile: { resumedAt: new Date().toISOString() },
    infrastructure,
  });
  if (result.outcome === 'changed') return { output: { status: 'active', notify: true }, message: `Active again at ${publicIp}` };

  const customer = result.customer;
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  if (customer.lifecycleExecutionName !== executionName) {
    throw new StaleExecutionError(`${customer.lifecycleExecutionName ?? 'Another execution'} is in charge of this customer now`);
  }
  switch (customer.status) {
    case 'active':
    case 'past_due': {
      const mine = customer.status === 'active' && customer.statusChangedBy === executionName;
      if (!mine) await updateInfrastructure(customerId, infrastructure);
      return { output: { status: customer.status, notify: mine }, message: mine ? `Active again at ${publicIp}` : `Already ${customer.status}; now at ${publicIp}` };
    }
    case 'suspending':
      // The webhook asked for a suspension since this resume started; its workflow takes over.
      throw new StaleExecutionError('A suspension was requested since this resume started');
    default:
      throw new CustomerStatusConflictError(`Cannot resume a customer whose status is ${customer.status}`);
  }
});
