import * as z from 'zod/mini';
import { putEmailVerificationMarker } from '../repositories/email-verifications';
import { updateInfrastructure } from '../repositories/infrastructure';
import { setProvisioningOutcome } from '../repositories/customer-lifecycle';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { emailServiceState } from './email-service-state';
import { StaleExecutionError } from './errors';

const Input = z.extend(StepContext, { instanceId: text(), publicIp: z.ipv4(), subdomain: text() });

/**
 * "Activate customer": records what was built and marks the account active. An email domain SES has not
 * verified yet gets a pending marker first (kept if this step is retried), so the scheduled DKIM sweep
 * (lambdas/services/verify-email-domains.ts) marks the service running later: no wait loop in the execution.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, instanceId, publicIp, subdomain }) => {
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
