import * as z from 'zod';
import { finishCustomer, getFleetUpdate, listFleetUpdateCustomers, setFleetUpdate } from '../repositories/fleet-updates';
import { failRunningSteps } from '../repositories/provisioning-log';
import { logger } from '../observability';
import type { ExecutionStatusChangeDetail } from './execution-events';
import { stoppedExecutionMessage } from './failure-messages';
import type { Recovery } from './stopped-executions';

/** The fleet workflow's Fail states: it recorded the update's end itself (stopped by its budget, or failed). */
const FLEET_OWN_FAILURES = ['ErrorBudgetSpent', 'FleetUpdateFailed'];
const FleetInput = z.object({ updateId: z.string().min(1) });

/** The reason written on a customer whose update was in flight when the execution stopped. */
export const INTERRUPTED_CUSTOMER_REASON =
  'The fleet update was stopped while this customer was being updated; the version it runs is unknown until the next update reaches it.';
/** The reason written on a customer the stopped update never started. */
export const NOT_STARTED_CUSTOMER_REASON = 'The fleet update was stopped before it reached this customer.';

/**
 * A FleetUpdate execution stopped from the console, or past its timeout: nobody runs "Finish fleet update",
 * so this ends the report. Every customer not started is `skipped`, every customer `updating` or
 * `rolling_back` is `failed` (its server may be on either version), each counted once (finishCustomer's
 * condition), then the update is `stopped` with the reason. The customers go first, so a retry after a
 * partial write finds the update still `running` and finishes the job; the stop time is the event's, so
 * repeated events write the same end state. Only the update this execution ran is touched.
 */
export async function recoverFleetUpdate(detail: ExecutionStatusChangeDetail, rawInput: unknown): Promise<Recovery> {
  if (detail.status === 'FAILED' && detail.error && FLEET_OWN_FAILURES.includes(detail.error)) {
    return { action: 'ignored', why: 'the workflow recorded its own failure' };
  }
  const input = FleetInput.safeParse(rawInput);
  if (!input.success) return { action: 'ignored', why: 'the execution input names no fleet update' };
  const { updateId } = input.data;
  const executionName = detail.name;
  const update = await getFleetUpdate(updateId);
  if (!update || update.executionName !== executionName) return { action: 'ignored', why: 'not the execution of a stored fleet update' };
  if (update.status !== 'running') return { action: 'ignored', why: `the fleet update is ${update.status} already` };

  const reason = stoppedExecutionMessage('The fleet update', detail, { executionName });
  const finishedAt = new Date(detail.stopDate ?? Date.now()).toISOString();
  let skipped = 0;
  let failed = 0;
  for (const line of await listFleetUpdateCustomers(updateId)) {
    if (line.result === 'pending') {
      if (await finishCustomer(updateId, line.customerId, { result: 'skipped', reason: NOT_STARTED_CUSTOMER_REASON, finishedAt })) skipped += 1;
    } else if (line.result === 'updating' || line.result === 'rolling_back') {
      // A rollback was counted against the budget when it started; an update cut off mid-way is counted here.
      const counts = line.result === 'updating';
      // Its step log too: the step that was running when the execution stopped ends failed, with the reason.
      await failRunningSteps(line.customerId, executionName, reason);
      if (await finishCustomer(updateId, line.customerId, { result: 'failed', reason: INTERRUPTED_CUSTOMER_REASON, finishedAt }, undefined, counts)) failed += 1;
    }
  }
  // Only while running: the workflow's own last step may have ended the update first (and wins).
  await setFleetUpdate(updateId, { status: 'stopped', finishedAt, failureReason: reason }, 'running');
  logger.warn('Fleet update stopped; report closed', { updateId, executionName, status: detail.status, skipped, failed });
  return { action: 'cleaned-up', reason, leftovers: [] };
}
