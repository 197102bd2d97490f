import * as z from 'zod';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { deleteSubdomainIdentity } from './rollback';

const Input = StepContext.extend({ subdomain: z.string().min(1) });

/** Rollback "Delete email identity": gone already (or never made) is success. */
export const handler = workflowStep('Roll back', Input, async ({ subdomain }) => {
  const deleted = await deleteSubdomainIdentity(subdomain);
  return { output: { deleted }, message: deleted ? `Deleted email identity ${subdomain}` : 'No email identity to delete' };
});
