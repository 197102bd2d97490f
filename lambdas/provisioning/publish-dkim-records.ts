import * as z from 'zod/mini';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { dkimRecords, upsertRecords } from './dns';

const Input = z.extend(StepContext, { subdomain: text(), dkimTokens: z.array(text()).check(z.minLength(1)) });

/** "Publish DKIM records": the identity's CNAMEs in our hosted zone, so SES can verify it on its own. */
export const handler = workflowStep(Input, async ({ subdomain, dkimTokens }) => {
  const records = dkimRecords(subdomain, dkimTokens);
  const changeId = await upsertRecords(records, `StackPro DKIM for ${subdomain}`);
  return { output: { changeId, records: records.map((r) => r.name) }, message: `Published ${records.length} DKIM records` };
});
