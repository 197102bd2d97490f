import { CreateEmailIdentityCommand, GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import * as z from 'zod/mini';
import { sesv2 } from '../clients/sesv2';
import { StepContext, workflowStep, text } from '../workflows/step-kit';

const Input = z.extend(StepContext, { subdomain: text() });

/**
 * "Create email identity": the customer's subdomain as an SES identity with Easy DKIM. Already there
 * (a retried step) means reading its DKIM tokens instead. Verification can take up to 72 hours, so
 * nothing waits for it: the email service shows `pending_verification` until then.
 */
export const handler = workflowStep(Input, async ({ customerId, subdomain }) => {
  let tokens: string[] | undefined;
  try {
    const created = await sesv2.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: subdomain,
        Tags: [
          { Key: 'Customer', Value: customerId },
          { Key: 'ManagedBy', Value: 'stackpro' },
        ],
      }),
    );
    tokens = created.DkimAttributes?.Tokens;
  } catch (error) {
    if ((error as Error).name !== 'AlreadyExistsException') throw error;
    const existing = await sesv2.send(new GetEmailIdentityCommand({ EmailIdentity: subdomain }));
    tokens = existing.DkimAttributes?.Tokens;
  }
  if (!tokens?.length) throw new Error(`SES returned no DKIM tokens for ${subdomain}`);
  return { output: { identity: subdomain, dkimTokens: tokens }, message: `Email identity ${subdomain} created with Easy DKIM` };
});
