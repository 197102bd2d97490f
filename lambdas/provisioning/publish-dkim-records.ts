import * as z from 'zod';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { dkimRecords, upsertRecords } from './dns';

const Input = StepContext.extend({ subdomain: z.string().min(1), dkimTokens: z.array(z.string().min(1)).min(1) });

/** "Publish DKIM records": the identity's CNAMEs in our hosted zone, so SES can verify it on its own. */
export const handler = workflowStep('Publish DKIM records', Input, async ({ subdomain, dkimTokens }) => {
  const records = dkimRecords(subdomain, dkimTokens);
  const changeId = await upsertRecords(records, `StackPro DKIM for ${subdomain}`);
  return { output: { changeId, records: records.map((r) => r.name) }, message: `Published ${records.length} DKIM records` };
});
