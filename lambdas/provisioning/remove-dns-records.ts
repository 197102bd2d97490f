import * as z from 'zod/mini';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { removeSubdomainRecords } from './rollback';

const Input = z.extend(StepContext, { subdomain: text() });

/**
 * Rollback "Remove DNS records": deletes every record at or under the customer's subdomain (the A record
 * and the DKIM CNAMEs). Nothing there is success: the step is idempotent.
 */
export const handler = workflowStep(Input, async ({ subdomain }) => {
  const removed = await removeSubdomainRecords(subdomain, `StackPro rollback for ${subdomain}`);
  return { output: { removed }, message: `Removed ${removed.length} DNS records` };
});
