import * as z from 'zod/mini';
import { getFleetUpdateCustomer, finishCustomer } from '../repositories/fleet-updates';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, StepContext, workflowStep } from '../workflows/step-kit';

const Input = z.extend(StepContext, {
  updateId: z.string().check(z.minLength(1)),
  version: z.string().check(z.minLength(1)),
  result: z.enum(['updated', 'failed']),
  /** Why the update failed (a Catch output), when it did. */
  error: z.optional(CaughtError),
  /** Why the rollback failed too, when it did: the server's version is then unknown. */
  rollbackError: z.optional(CaughtError),
  rolledBack: z.optional(z.boolean()),
});

/**
 * "Customer updated" and "Customer failed": the customer's final line of the report (result, reason,
 * duration), counted on the update in the same transaction (the error budget reads that count), and the
 * version it now runs recorded on its profile: the new one, or the previous one once rolled back. After
 * a failed rollback the profile keeps its last known version and the reason says the server needs a look.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, updateId, version, result, error, rollbackError, rolledBack }) => {
  const line = await getFleetUpdateCustomer(updateId, customerId);
  const finishedAt = new Date().toISOString();
  const durationSeconds = line?.startedAt ? Math.max(0, (Date.parse(finishedAt) - Date.parse(line.startedAt)) / 1000) : undefined;
  const context = { customerId, executionName };
  let reason: string | undefined;
  if (result === 'failed') {
    const why = error ? describeFailure(error, context) : (line?.reason ?? 'The update failed');
    reason = rollbackError
      ? `${why}; the rollback failed too (${describeFailure(rollbackError, context)}): the server needs an operator`
      : rolledBack
        ? `${why}; rolled back to ${line?.fromVersion}`
        : why;
  }
  const profileVersion = result === 'updated' ? version : rolledBack ? line?.fromVersion : undefined;
  // A failure with no rollback (the update never started) is counted against the budget here; one that
  // went through Roll back customer was counted when its rollback started.
  const wentThroughRollback = rolledBack !== undefined;
  await finishCustomer(
    updateId,
    customerId,
    { result, reason, finishedAt, durationSeconds, rolledBack: result === 'failed' ? rolledBack === true : undefined },
    profileVersion,
    result === 'failed' && !wentThroughRollback,
  );
  return {
    output: { result },
    status: result === 'updated' || rolledBack ? 'succeeded' : 'failed',
    message: result === 'updated' ? `Apps updated to ${version}` : `Fleet update failed: ${reason}`,
  };
});
