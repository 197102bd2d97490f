import { GetChangeCommand } from '@aws-sdk/client-route-53';
import * as z from 'zod/mini';
import { route53 } from '../clients/route53';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep, text } from '../workflows/step-kit';

const Input = z.extend(StepContext, { changeId: text(), subdomain: text() });

/** "Check DNS change": Route 53 changes go PENDING to INSYNC; NotReadyError until then (the Task retries it). */
export const handler = workflowStep(Input, async ({ changeId, subdomain }) => {
  const result = await route53.send(new GetChangeCommand({ Id: changeId }));
  const status = result.ChangeInfo?.Status ?? 'PENDING';
  if (status !== 'INSYNC') throw new NotReadyError(`The DNS change for ${subdomain} is still ${status}`);
  return { output: { changeId }, message: `${subdomain} resolves to the instance` };
});
