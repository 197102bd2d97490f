import { DeleteEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { sesv2 } from '../clients/sesv2';
import { StepContext, workflowStep } from '../workflows/step-kit';

const Input = StepContext.extend({ subdomain: z.string().min(1) });

/** Rollback "Delete email identity": gone already (or never made) is success. */
export const handler = workflowStep('Roll back', Input, async ({ subdomain }) => {
  try {
    await sesv2.send(new DeleteEmailIdentityCommand({ EmailIdentity: subdomain }));
    return { output: { deleted: true }, message: `Deleted email identity ${subdomain}` };
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
    return { output: { deleted: false }, message: 'No email identity to delete' };
  }
});
