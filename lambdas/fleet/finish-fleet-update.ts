import * as z from 'zod/mini';
import { budgetSpent } from '../core/fleet-updates';
import { getFleetUpdate, setFleetUpdate } from '../repositories/fleet-updates';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, FleetStepContext, fleetWideStep } from '../workflows/step-kit';

const Input = z.extend(FleetStepContext, { error: z.optional(CaughtError) });

/**
 * "Finish fleet update" and "Record fleet update failed": the update's end status. `stopped` when more
 * than maxFailures customers failed (the rest were skipped), `completed` otherwise; `failed` with the
 * reason when the workflow itself broke (selection refused, a step out of retries).
 */
export const handler = fleetWideStep(Input, async ({ updateId, executionName, error }) => {
  const update = await getFleetUpdate(updateId);
  if (!update) throw new Error(`Fleet update ${updateId} is not stored`);
  const finishedAt = new Date().toISOString();
  if (error) {
    const failureReason = describeFailure(error, { executionName });
    // Only while running: a stop from the console may have closed the update first (and wins).
    await setFleetUpdate(updateId, { status: 'failed', finishedAt, failureReason }, 'running');
    return { status: 'failed', failureReason };
  }
  const status = budgetSpent(update) ? 'stopped' : 'completed';
  await setFleetUpdate(updateId, { status, finishedAt }, 'running');
  return { status, updated: update.updated ?? 0, failed: update.failed ?? 0, skipped: update.skipped ?? 0 };
});
