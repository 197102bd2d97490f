import * as z from 'zod/mini';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { commandOutcome } from './app-commands';

const Input = z.extend(StepContext, { instanceId: z.string().check(z.minLength(1)), commandId: z.string().check(z.minLength(1)) });

/**
 * "Check update" and "Check rollback": the deploy command's invocation on the customer's server. Success
 * means the new (or previous) version's containers run and its apps answered the document's health
 * check; a failed check is AppsUnhealthyError, any other failure AppCommandFailedError; anything else is
 * NotReadyError, which the Task retries at its poll interval.
 */
export const handler = workflowStep(Input, async ({ instanceId, commandId }) => {
  await commandOutcome(commandId, instanceId);
  return { output: { commandId }, message: 'The apps answer' };
});
