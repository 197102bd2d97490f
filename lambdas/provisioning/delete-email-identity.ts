import * as z from 'zod/mini';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { deleteSubdomainIdentity } from './rollback';

const Input = z.extend(StepContext, { subdomain: text() });

/** Rollback "Delete email identity": gone already (or never made) is success. */
export const handler = workflowStep(Input, async ({ subdomain }) => {
  const deleted = await deleteSubdomainIdentity(subdomain);
  return { output: { deleted }, message: deleted ? `Deleted email identity ${subdomain}` : 'No email identity to delete' };
});
