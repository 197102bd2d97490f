import * as z from 'zod';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { bareName, deleteRecords } from './dns';

const Input = StepContext.extend({ subdomain: z.string().min(1) });

/**
 * Rollback "Remove DNS records": deletes every record at or under the customer's subdomain (the A record
 * and the DKIM CNAMEs). Nothing there is success: the step is idempotent.
 */
export const handler = workflowStep('Roll back', Input, async ({ subdomain }) => {
  const removed = await deleteRecords({ name: subdomain }, `StackPro rollback for ${subdomain}`);
  return { output: { removed: removed.map((r) => `${bareName(r.Name ?? '')} ${r.Type}`) }, message: `Removed ${removed.length} DNS records` };
});
