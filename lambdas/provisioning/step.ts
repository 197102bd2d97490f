import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { logger } from '../observability';
import { recordStep } from '../repositories/provisioning-log';

/** What every step receives besides its own fields: whose provisioning this is, and which execution. */
export const StepContext = z.object({
  customerId: z.string().min(1),
  executionName: z.string().min(1),
});
export type StepContext = z.infer<typeof StepContext>;

/** A step's result, with a short sentence for the customer's provisioning log. */
export interface StepOutcome<O> {
  readonly output: O;
  /** `running` for a poll that is not done yet (the log shows the step as in progress). */
  readonly status?: 'running' | 'succeeded' | 'failed';
  readonly message?: string;
}

/**
 * Wraps one workflow step: validates its input, records its progress in the customer's provisioning log
 * under `logName` (what the customer and support read), and lets typed errors through by name so the
 * state machine's Retry and Catch can match them.
 */
export function provisioningStep<S extends z.ZodType<StepContext>, O>(
  logName: string,
  schema: S,
  run: (input: z.infer<S>) => Promise<StepOutcome<O>>,
): (event: unknown, context?: Context) => Promise<O> {
  return async (event, context) => {
    // Every log line of this invocation carries this function's name and request id.
    if (context) logger.addContext(context);
    const input = schema.parse(event) as z.infer<S>;
    const { customerId, executionName } = input;
    try {
      const outcome = await run(input);
      await recordStep(customerId, executionName, logName, outcome.status ?? 'succeeded', outcome.message);
      return outcome.output;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      logger.warn('Provisioning step failed', { customerId, executionName, step: logName, errorName: name });
      // Retries may still fix it; the log says what happened last. Rollback marks the step failed for good.
      await recordStep(customerId, executionName, logName, 'running', `Attempt failed: ${describeError(error)}`).catch(() => undefined);
      throw error;
    }
  };
}

/** A short, customer-safe sentence for an error (our typed errors carry one; AWS ones are named). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return 'an unknown error';
}
