import type { Context } from 'aws-lambda';
import { ZodRealError } from 'zod';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { TransientError, errorKind, isTransient } from '../core/transient-errors';
import { logger, traceHandler } from '../observability';
import { recordStep } from '../repositories/provisioning-log';
import { NotReadyError } from './errors';
import { describeError } from './failure-messages';

// Step inputs are validated with zod/mini, zod's tree-shakable API (about 20 KB of a step's bundle, the classic
// API 85 KB). It carries no messages of its own: English ones, as the classic API's, so a malformed input says
// what is wrong exactly as before.
z.config(en());

/** A non-empty string, the most common step field. */
export const text = () => z.string().check(z.minLength(1));

/** What every step receives besides its own fields: whose provisioning this is, and which execution. */
export const StepContext = z.object({
  customerId: text(),
  executionName: text(),
  /**
   * The state's name, added to every Lambda Task by statemachines/definition-loader.ts: the one name of
   * the step's progress entry and trace, exactly the name support staff read in the console.
   */
  stepName: text(),
  /** The workflow's id, added by the loader too. */
  workflowId: z.optional(text()),
});
export type StepContext = z.infer<typeof StepContext>;

/**
 * What a fleet-wide step receives instead (the fleet update's selection and its end): the update it serves, no
 * customer. The loader adds `stepName` and `workflowId` to these Tasks too.
 */
export const FleetStepContext = z.object({
  updateId: z.string().check(z.regex(/^fu-[0-9a-f]{24}$/)),
  executionName: text(),
  stepName: text(),
  workflowId: z.optional(text()),
});
export type FleetStepContext = z.infer<typeof FleetStepContext>;

/** What a Task's Catch passes on (`ResultPath` of the error): the error's name and its cause. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

/** A step's result, with a short sentence for the customer's provisioning log. */
export interface StepOutcome<O> {
  readonly output: O;
  /** `running` for a step that is still in progress (a check that is not done throws NotReadyError instead). */
  readonly status?: 'running' | 'succeeded' | 'failed';
  readonly message?: string;
}

/**
 * Wraps one workflow step: validates its input, records its progress in the customer's step log under its
 * state's name (`stepName`, which the ASL loader adds to every Task: there is no other name), lets typed
 * errors through by name so the state machine's Catch can match them, and rethrows every retryable failure
 * as TransientError, the one name the standard Retry matches. A check that is not done yet throws
 * NotReadyError: the step shows as running with that message, and its Task retries it.
 */
export function workflowStep<S extends z.ZodMiniType<StepContext>, O>(
  schema: S,
  run: (input: z.infer<S>) => Promise<StepOutcome<O>>,
): (event: unknown, context?: Context) => Promise<O> {
  return traced(StepContext, async (event) => {
    const input = parseInput(schema, event);
    const { customerId, executionName } = input;
    const step = input.stepName;
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
      logger.warn('Provisioning step failed', { customerId, executionName, step, errorName: errorKind(error), transient: isTransient(error) });
      // Retries may still fix it; the log says what happened last. Rollback marks the step failed for good.
      await recordStep(customerId, executionName, step, 'running', `Attempt failed: ${describeError(error, { customerId, executionName, step })}`, new Date(), input.workflowId).catch(() => undefined);
      throw classified(error);
    }
  });
}

/**
 * `workflowStep` for a step that belongs to no single customer (the fleet update's "Select customers" and its
 * end): the same input check, trace under the state's name and error classification, but no customer step log
 * to write. Its progress is the update's own report, which the step writes itself.
 */
export function fleetWideStep<S extends z.ZodMiniType<FleetStepContext>, O>(
  schema: S,
  run: (input: z.infer<S>) => Promise<O>,
): (event: unknown, context?: Context) => Promise<O> {
  return traced(FleetStepContext, async (event) => {
    const input = parseInput(schema, event);
    try {
      return await run(input);
    } catch (error) {
      logger.warn('Fleet update step failed', { updateId: input.updateId, step: input.stepName, errorName: errorKind(error), transient: isTransient(error) });
      throw classified(error);
    }
  });
}

/** One name for everything worth retrying, so each Task's Retry is the one standard policy; typed errors pass by name. */
function classified(error: unknown): unknown {
  return isTransient(error) ? new TransientError(errorKind(error), { cause: error }) : error;
}

/**
 * Each step invocation in its own X-Ray subsegment named for the state, annotated with ids only (never PII),
 * so `annotation.customerId = "..."` finds every step of a customer's provisioning. Malformed input is traced too.
 */
function traced<O>(
  ids: z.ZodMiniType<{ customerId?: string; executionName: string; stepName: string }>,
  handle: (event: unknown) => Promise<O>,
): (event: unknown, context?: Context) => Promise<O> {
  return (event, context) => {
    const parsed = z.safeParse(ids, event).data;
    // Input without a state name never came from a Task: named for the function, and refused by the parse.
    const step = parsed?.stepName ?? context?.functionName ?? MALFORMED;
    // The Lambda context goes on every log line of this invocation (function name, request id).
    return traceHandler(step, { customerId: parsed?.customerId, executionName: parsed?.executionName, step }, () => handle(event), context);
  };
}

const MALFORMED = 'Malformed step input';

/**
 * The input, or the same ZodError (name, issues and message) the classic API throws: the error name
 * Step Functions shows for a malformed input stays `ZodError`.
 */
function parseInput<S extends z.ZodMiniType>(schema: S, event: unknown): z.infer<S> {
  const result = z.safeParse(schema, event);
  if (!result.success) throw new ZodRealError(result.error.issues);
  return result.data;
}
