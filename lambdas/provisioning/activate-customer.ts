import * as z from 'zod';
import { putEmailVerificationMarker } from '../repositories/email-verifications';
import { updateInfrastructure } from '../repositories/infrastructure';
import { setProvisioningOutcome } from '../repositories/customer-lifecycle';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { emailServiceState } from './email-service-state';
import { StaleExecutionError } from './errors';

const Input = StepContext.extend({ instanceId: z.string().min(1), publicIp: z.ipv4(), subdomain: z.string().min(1) });

/**
 * "Activate customer": records what was built and marks the account active. An email domain SES has not
 * verified yet gets a pending marker first (kept if this step is retried), so the scheduled DKIM sweep
 * (lambdas/services/verify-email-domains.ts) marks the service running later: no wait loop in the execution.
 */
export const handler = workflowStep('Activate and notify', Input, async ({ customerId, executionName, instanceId, publicIp, subdomain }) => {
  const email = await emailServiceState(subdomain);
  if (email === 'pending_verification') {
    await putEmailVerificationMarker({ customerId, identity: subdomain, startedAt: new Date().toISOString() });
  }
  await updateInfrastructure(customerId, { instanceId, publicIp, services: { website: 'running', crm: 'running', email } });
  if (!(await setProvisioningOutcome(customerId, executionName, 'active'))) {
    throw new StaleExecutionError(`Execution ${executionName} is no longer in charge of this customer`);
  }
  return { output: { status: 'active', email }, message: `Customer active at ${subdomain} (${publicIp})` };
});
