import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { TransientError, errorKind, isTransient } from '../core/transient-errors';
import { logger, traceHandler } from '../observability';
import { recordStep } from '../repositories/provisioning-log';
import { NotReadyError } from './errors';
import { describeError } from './failure-messages';

/** What every step receives besides its own fields: whose provisioning this is, and which execution. */
export const StepContext = z.object({
  customerId: z.string().min(1),
  executionName: z.string().min(1),
  /** The state's name and the workflow's id, added to every Lambda Task by statemachines/definition-loader.ts. */
  stepName: z.string().min(1).optional(),
  workflowId: z.string().min(1).optional(),
});
export type StepContext = z.infer<typeof StepContext>;

/** A step's result, with a short sentence for the customer's provisioning log. */
export interface StepOutcome<O> {
  readonly output: O;
  /** `running` for a step that is still in progress (a check that is not done throws NotReadyError instead). */
  readonly status?: 'running' | 'succeeded' | 'failed';
  readonly message?: string;
}

/**
 * Wraps one workflow step: validates its input, records its progress in the customer's step log under its
 * state's name (`stepName`, added by the ASL loader; `logName` only when a test calls the handler directly),
 * lets typed errors through by name so the state machine's Catch can match them, and rethrows every
 * retryable failure as TransientError, the one name the standard Retry matches. A check that is not done
 * yet throws NotReadyError: the step shows as running with that message, and its Task retries it.
 */
export function workflowStep<S extends z.ZodType<StepContext>, O>(
  logName: string,
  schema: S,
  run: (input: z.infer<S>) => Promise<StepOutcome<O>>,
): (event: unknown, context?: Context) => Promise<O> {
  return traced(logName, async (event) => {
    const input = schema.parse(event) as z.infer<S>;
    const { customerId, executionName } = input;
    const step = input.stepName ?? logName;
    try {
      const outcome = await run(input);
      await recordStep(customerId, executionName, step, outcome.status ?? 'succeeded', outcome.message, new Date(), input.workflowId);
      return outcome.output;
    } catch (error) {
      if (error instanceof NotReadyError) {
        // Not a failure: the Task's NotReadyError retrier polls again (and rolls back only past its bound).
        await recordStep(customerId, executionName, step, 'running', error.message, new Date(), input.workflowId);
        throw error;
      }
      const transient = isTransient(error);
      logger.warn('Provisioning step failed', { customerId, executionName, step, errorName: errorKind(error), transient });
      // Retries may still fix it; the log says what happened last. Rollback marks the step failed for good.
      await recordStep(customerId, executionName, step, 'running', `Attempt failed: ${describeError(error, { customerId, executionName, step })}`, new Date(), input.workflowId).catch(() => undefined);
      // One name for everything worth retrying, so each Task's Retry is the one standard policy.
      throw transient ? new TransientError(errorKind(error), { cause: error }) : error;
    }
  });
}

/**
 * Each step invocation in its own X-Ray subsegment named for the state, annotated with ids only (never PII),
 * so `annotation.customerId = "..."` finds every step of a customer's provisioning. Malformed input is traced too.
 */
function traced<O>(logName: string, handle: (event: unknown) => Promise<O>): (event: unknown, context?: Context) => Promise<O> {
  return (event, context) => {
    const ids = StepContext.safeParse(event).data;
    const step = ids?.stepName ?? logName;
    // The Lambda context goes on every log line of this invocation (function name, request id).
    return traceHandler(step, { customerId: ids?.customerId, executionName: ids?.executionName, step }, () => handle(event), context);
  };
}
