import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { TransientError, errorKind, isTransient } from '../core/transient-errors';
import { logger, traceHandler } from '../observability';

/** What the fleet-wide steps receive: the update, and the state's name added by the ASL loader. */
export const FleetStepContext = z.object({
  updateId: z.string().regex(/^fu-[0-9a-f]{24}$/),
  executionName: z.string().min(1),
  stepName: z.string().min(1).optional(),
  workflowId: z.string().min(1).optional(),
});
export type FleetStepContext = z.infer<typeof FleetStepContext>;

/**
 * Wraps a step of the fleet update that belongs to no single customer (select, finish): validated input,
 * one traced subsegment per invocation annotated with the update id, typed errors let through by name, and
 * every retryable failure rethrown as TransientError (the standard Retry). The per-customer steps use the
 * step kit (lambdas/workflows/step-kit.ts), so each customer's step log shows its update.
 */
export function fleetStep<S extends z.ZodType<FleetStepContext>, O>(logName: string, schema: S, run: (input: z.infer<S>) => Promise<O>) {
  return (event: unknown, context?: Context): Promise<O> => {
    const ids = FleetStepContext.safeParse(event).data;
    const step = ids?.stepName ?? logName;
    return traceHandler(step, { executionName: ids?.executionName, step }, async () => {
      const input = schema.parse(event) as z.infer<S>;
      try {
        return await run(input);
      } catch (error) {
        const transient = isTransient(error);
        logger.warn('Fleet update step failed', { updateId: input.updateId, step, errorName: errorKind(error), transient });
        throw transient ? new TransientError(errorKind(error), { cause: error }) : error;
      }
    }, context);
  };
}
