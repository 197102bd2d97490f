import * as z from 'zod/mini';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { upsertRecords } from './dns';

const Input = z.extend(StepContext, { subdomain: text(), publicIp: z.ipv4() });

/** "Point subdomain at instance": an UPSERT of the A record (idempotent), then the loop waits for INSYNC. */
export const handler = workflowStep(Input, async ({ subdomain, publicIp }) => {
  const changeId = await upsertRecords([{ name: subdomain, type: 'A', values: [publicIp], ttl: 60 }], `StackPro A record for ${subdomain}`);
  return { output: { changeId }, message: `${subdomain} -> ${publicIp} submitted` };
});
