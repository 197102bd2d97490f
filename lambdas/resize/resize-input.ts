import * as z from 'zod/mini';
import { PLAN_NAMES } from '../core/plans';
import { StepContext, text } from '../workflows/step-kit';

/** What every resize step receives: the change (as the webhook started it) and whose it is. */
export const ResizeContext = z.extend(StepContext, {
  changeId: text(),
  fromPlan: z.enum(PLAN_NAMES),
  toPlan: z.enum(PLAN_NAMES),
});
export type ResizeContext = z.infer<typeof ResizeContext>;

/** Steps that act on the instance found by the first step. */
export const InstanceStep = z.extend(ResizeContext, { instanceId: text() });
