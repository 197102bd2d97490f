import * as z from 'zod';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { commandOutcome } from './app-commands';

const Input = StepContext.extend({ instanceId: z.string().min(1), commandId: z.string().min(1) });

/**
 * "Check update" and "Check rollback": the deploy command's invocation on the customer's server. Success
 * means the new (or previous) version's containers run and its apps answered the document's health
 * check; a failed check is AppsUnhealthyError, any other failure AppCommandFailedError; anything else is
 * NotReadyError, which the Task retries at its poll interval.
 */
export const handler = workflowStep('Check update', Input, async ({ instanceId, commandId }) => {
  await commandOutcome(commandId, instanceId);
  return { output: { commandId }, message: 'The apps answer' };
});
