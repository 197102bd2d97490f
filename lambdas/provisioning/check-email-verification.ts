import { z } from 'zod';
import { getInfrastructure, updateInfrastructure } from '../repositories/infrastructure';
import { StepContext, provisioningStep } from './step';
import { emailServiceState } from './activate-customer';
import { POLL_LIMITS, Polls, nextPoll } from './polling';

const Input = StepContext.extend({ subdomain: z.string().min(1), polls: Polls });

/**
 * "Check email verification" (the "Email domain verified?" loop, after the customer is live): SES
 * verifies Easy DKIM on its own within 72 hours; once it has, the email service shows `running`.
 */
export const handler = provisioningStep('Verify email domain', Input, async ({ customerId, subdomain, polls }) => {
  const next = nextPoll(polls, POLL_LIMITS.emailVerified, `DKIM verification of ${subdomain}`);
  const state = await emailServiceState(subdomain);
  const done = state === 'running';
  if (done) {
    const services = (await getInfrastructure(customerId))?.services;
    if (services) await updateInfrastructure(customerId, { services: { ...services, email: 'running' } });
  }
  return {
    output: { done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? `${subdomain} verified: email is live` : 'Waiting for SES to verify the DKIM records (up to 72 hours)',
  };
});
