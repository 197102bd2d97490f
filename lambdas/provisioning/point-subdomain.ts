import * as z from 'zod';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { upsertRecords } from './dns';

const Input = StepContext.extend({ subdomain: z.string().min(1), publicIp: z.ipv4() });

/** "Point subdomain at instance": an UPSERT of the A record (idempotent), then the loop waits for INSYNC. */
export const handler = workflowStep('Point subdomain at instance', Input, async ({ subdomain, publicIp }) => {
  const changeId = await upsertRecords([{ name: subdomain, type: 'A', values: [publicIp], ttl: 60 }], `StackPro A record for ${subdomain}`);
  return { output: { changeId }, message: `${subdomain} -> ${publicIp} submitted` };
});
