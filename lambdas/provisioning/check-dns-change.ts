import { GetChangeCommand } from '@aws-sdk/client-route-53';
import * as z from 'zod';
import { route53 } from '../clients/route53';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { POLL_LIMITS, Polls, nextPoll } from './polling';

const Input = StepContext.extend({ changeId: z.string().min(1), subdomain: z.string().min(1), polls: Polls });

/** "Check DNS change" (the "Subdomain in sync?" loop): Route 53 changes go PENDING to INSYNC. */
export const handler = workflowStep('Point subdomain at instance', Input, async ({ changeId, subdomain, polls }) => {
  const next = nextPoll(polls, POLL_LIMITS.dnsInSync, `DNS change for ${subdomain}`);
  const result = await route53.send(new GetChangeCommand({ Id: changeId }));
  const done = result.ChangeInfo?.Status === 'INSYNC';
  return {
    output: { changeId, done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? `${subdomain} resolves to the instance` : `DNS change ${result.ChangeInfo?.Status ?? 'pending'}`,
  };
});
