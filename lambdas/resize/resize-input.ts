import { z } from 'zod';
import { PLAN_NAMES } from '../core/plans';
import { StepContext } from '../workflows/step-kit';

/** What every resize step receives: the change (as the webhook started it) and whose it is. */
export const ResizeContext = StepContext.extend({
  changeId: z.string().min(1),
  fromPlan: z.enum(PLAN_NAMES),
  toPlan: z.enum(PLAN_NAMES),
});
export type ResizeContext = z.infer<typeof ResizeContext>;

/** Steps that act on the instance found by the first step. */
export const InstanceStep = ResizeContext.extend({ instanceId: z.string().min(1) });
