import { GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { sesv2 } from '../clients/sesv2';
import { putEmailVerificationMarker } from '../repositories/email-verifications';
import { updateInfrastructure, type ServiceState } from '../repositories/infrastructure';
import { setProvisioningOutcome } from '../repositories/customer-status';
import { StepContext, provisioningStep } from './step';
import { StaleExecutionError } from './errors';

const Input = StepContext.extend({ instanceId: z.string().min(1), publicIp: z.ipv4(), subdomain: z.string().min(1) });

/** Email works once SES has verified the domain's DKIM records, which may take up to 72 hours. */
export async function emailServiceState(identity: string): Promise<ServiceState> {
  const result = await sesv2.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
  return result.VerifiedForSendingStatus ? 'running' : 'pending_verification';
}

/**
 * "Activate customer": records what was built and marks the account active. An email domain SES has not
 * verified yet gets a pending marker first (kept if this step is retried), so the scheduled DKIM sweep
 * (lambdas/services/verify-email-domains.ts) marks the service running later: no wait loop in the execution.
 */
export const handler = provisioningStep('Activate and notify', Input, async ({ customerId, executionName, instanceId, publicIp, subdomain }) => {
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
