import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { cancelProvisionedSubscription } from '../billing/cancel-provisioned-subscription';
import { releaseMessagingChannels } from '../messaging/release-channels';
import { deleteSubdomainIdentity, removeSubdomainRecords, terminateCustomerInstances } from '../provisioning/rollback';
import { getLifecycleCustomer, type LifecycleCustomer, setProvisioningOutcome } from '../repositories/customer-lifecycle';
import { failPlanChange } from '../repositories/plan-changes';
import { ResizeStoppedError } from '../resize/errors';
import { failRunningSteps, recordStep } from '../repositories/provisioning-log';
import { endRestore, getRestore } from '../repositories/restores';
import type { WorkflowId as AnyWorkflowId } from '../../statemachines/workflows';
import type { ExecutionStatusChangeDetail } from './execution-events';
import { stoppedExecutionMessage } from './failure-messages';
import { recoverFleetUpdate } from './stopped-fleet-update';

/**
 * What happens to a customer when one of our executions ends FAILED, TIMED_OUT or ABORTED (stopped from
 * the console or the API, past its TimeoutSeconds, or cut off by a crash of the local stack): nobody else
 * is left to finish the job, so this does, and every answer is safe to repeat (EventBridge delivers at
 * least once, and an execution that rolled back by itself sends the same FAILED event).
 *
 * - ProvisionCustomer, still the customer's current attempt and the customer still `provisioning`: undo
 *   what the attempt created (the rollback's own undo steps, lambdas/provisioning/rollback.ts), then mark
 *   the customer `failed` with a readable reason, so the operators' retry route works. Otherwise nothing.
 * - SuspendCustomer, ResumeCustomer, DeprovisionCustomer: every step is idempotent, so the stopped execution
 *   is run again once, as `<name>-rerun` (deprovision with the retention it had left). A rerun that stops
 *   too is left for operators: its running steps are marked failed and the workflow's failure metric fires
 *   its alarm. Nothing is done when the workflow recorded its own failure (its Fail states), when a newer
 *   lifecycle execution owns the account, or when the account already reached the workflow's end state.
 * - ResizeCustomer, its plan change still pending: the server may be stopped, or on the new type. It is run
 *   again once, as `<name>-rerun`, with the stop as its `error`: the rerun only puts back (the previous
 *   type, started, DNS at its address, the previous price) and records why, which clears the pending plan.
 *   A rerun that stops too clears the pending plan with the reason and is left for operators.
 * - RestoreCustomer: rolled back by a `-rollback` execution (recoverRestore below).
 * - FleetUpdate: its report is closed, the update `stopped` with the reason (stopped-fleet-update.ts).
 */
export type Recovery =
  | { readonly action: 'ignored'; readonly why: string }
  | { readonly action: 'cleaned-up'; readonly reason: string; readonly leftovers: readonly string[] }
  | { readonly action: 'rerun'; readonly executionName: string }
  | { readonly action: 'left-for-operators'; readonly reason: string };

/** Every workflow's id comes from the one list (statemachines/workflows.ts); a type only, nothing in the bundle. */
export type WorkflowId = AnyWorkflowId;
type LifecycleWorkflowId = Extract<WorkflowId, 'SuspendCustomer' | 'ResumeCustomer' | 'DeprovisionCustomer'>;

/** The step the clean-up writes into the stopped execution's step log (the status route shows it). */
export const CLEAN_UP_STEP = 'Clean up after the execution stopped';
/** The step a lifecycle rerun writes into the stopped execution's step log. */
export const RERUN_STEP = 'Run again after the execution stopped';
/** Suffix of a lifecycle execution started again by this module; a rerun is never run a third time. */
export const RERUN_SUFFIX = '-rerun';

const ExecutionInput = z.object({ customerId: z.string().min(1) }).passthrough();
const ResizeInput = z.object({ customerId: z.string().min(1), changeId: z.string().min(1), fromPlan: z.string().min(1), toPlan: z.string().min(1) });
/** The resize's own Fail states: it put things back and recorded why itself. */
const RESIZE_OWN_FAILURES = ['ResizeFailed', 'CustomerNotFoundError', 'MessagingChannelsNotUpdated'];

interface LifecycleRule {
  /** The customer-facing name of the work, for the reason. */
  readonly what: string;
  /** The account status the workflow ends in: reached, there is nothing to finish. */
  readonly endsIn: string;
  /** Its Fail states' errors: the workflow recorded its own failure (and alarmed); operators own it. */
  readonly ownFailures: readonly string[];
  readonly failedMetric: string;
  readonly stateMachineArn: () => string;
}

const LIFECYCLE: Readonly<Record<LifecycleWorkflowId, LifecycleRule>> = {
  SuspendCustomer: {
    what: 'Suspending the account',
    endsIn: 'suspended',
    ownFailures: ['SuspendFailed', 'LifecycleSuperseded', 'CustomerNotFound'],
    failedMetric: METRICS.suspendFailed,
    stateMachineArn: config.suspendStateMachineArn,
  },
  ResumeCustomer: {
    what: 'Resuming the account',
    endsIn: 'active',
    ownFailures: ['ResumeFailed', 'LifecycleSuperseded', 'CustomerNotFound'],
    failedMetric: METRICS.resumeFailed,
    stateMachineArn: config.resumeStateMachineArn,
  },
  DeprovisionCustomer: {
    what: 'Removing the cancelled account',
    endsIn: 'cancelled',
    ownFailures: ['DeprovisionFailed', 'LifecycleSuperseded', 'CustomerNotFound', 'InvalidInput'],
    failedMetric: METRICS.deprovisionFailed,
    stateMachineArn: config.deprovisionStateMachineArn,
  },
};

/** The step a stopped restore's roll-back writes into the stopped execution's step log. */
export const ROLLBACK_STEP = 'Roll back after the execution stopped';
/** Suffix of the roll-back-only RestoreCustomer execution started for a stopped restore; never run twice. */
export const ROLLBACK_SUFFIX = '-rollback';
/** The restore workflow's Fail states: it recorded (and counted) its own failure. */
const RESTORE_OWN_FAILURES = ['RestoreRolledBack', 'RestoreRollbackIncomplete'];

/** Which of our workflows a state machine ARN is (from the function's environment), or undefined. */
export function workflowOf(stateMachineArn: string): WorkflowId | undefined {
  if (stateMachineArn === config.provisioningStateMachineArn()) return 'ProvisionCustomer';
  if (stateMachineArn === config.resizeStateMachineArn()) return 'ResizeCustomer';
  if (process.env.RESTORE_STATE_MACHINE_ARN && stateMachineArn === config.restoreStateMachineArn()) return 'RestoreCustomer';
  if (process.env.FLEET_UPDATE_STATE_MACHINE_ARN && stateMachineArn === config.fleetUpdateStateMachineArn()) return 'FleetUpdate';
  return (Object.keys(LIFECYCLE) as LifecycleWorkflowId[]).find((id) => LIFECYCLE[id].stateMachineArn() === stateMachineArn);
}

/** Brings the customer of one ended execution to a documented state (see above). */
export async function recoverStoppedExecution(detail: ExecutionStatusChangeDetail): Promise<Recovery> {
  const workflow = workflowOf(detail.stateMachineArn);
  if (!workflow) return { action: 'ignored', why: 'not one of our workflows' };
  // The one workflow run for the fleet, not for a customer: its input names an update.
  if (workflow === 'FleetUpdate') return recoverFleetUpdate(detail, parseJson(detail.input));
  const input = ExecutionInput.safeParse(parseJson(detail.input));
  if (!input.success) return { action: 'ignored', why: 'the execution input names no customer' };
  const customer = await getLifecycleCustomer(input.data.customerId);
  if (!customer) return { action: 'ignored', why: 'the customer no longer exists' };
  if (workflow === 'ProvisionCustomer') return recoverProvisioning(detail, customer);
  if (workflow === 'ResizeCustomer') return recoverResize(detail, input.data, customer);
  if (workflow === 'RestoreCustomer') return recoverRestore(detail, customer);
  return recoverLifecycle(workflow, detail, input.data, customer);
}

/**
 * A restore stopped midway may have left the server stopped, or running on the restored volume without its
 * check: the old volume goes back by a roll-back-only execution of the same workflow (`<name>-rollback`,
 * whose steps read the volume ids from the customer's RESTORE item), which leaves the customer running. A
 * roll-back that stops too is left for operators (RestoreRollbackIncomplete, the record says so).
 */
async function recoverRestore(detail: ExecutionStatusChangeDetail, customer: LifecycleCustomer): Promise<Recovery> {
  const { customerId } = customer;
  const executionName = detail.name;
  if (detail.status === 'FAILED' && detail.error && RESTORE_OWN_FAILURES.includes(detail.error)) {
    return { action: 'ignored', why: 'the workflow recorded its own failure' };
  }
  const record = await getRestore(customerId);
  const isRollback = executionName.endsWith(ROLLBACK_SUFFIX);
  const original = isRollback ? executionName.slice(0, -ROLLBACK_SUFFIX.length) : executionName;
  if (!record || record.executionName !== original) return { action: 'ignored', why: 'not the customer’s latest restore' };
  if (record.state !== 'running') return { action: 'ignored', why: `the restore ended ${record.state} already` };

  const reason = stoppedExecutionMessage('Restoring the backup', detail, { customerId, executionName, step: ROLLBACK_STEP });
  await failRunningSteps(customerId, executionName, reason);
  if (isRollback) {
    const why = `${reason} Its roll-back stopped too; an operator must look at it.`;
    await recordStep(customerId, executionName, ROLLBACK_STEP, 'failed', why, new Date(), 'RestoreCustomer');
    await endRestore(customerId, 'rollback_incomplete', { reason: why });
    metrics.addMetric(METRICS.restoreRollbackIncomplete, MetricUnit.Count, 1);
    publishMetrics();
    logger.error('Restore roll-back stopped; left for operators', { customerId, executionName, status: detail.status });
    return { action: 'left-for-operators', reason };
  }
  const rollbackName = `${executionName.slice(0, 80 - ROLLBACK_SUFFIX.length)}${ROLLBACK_SUFFIX}`;
  const rollbackInput = { customerId, rollBackOnly: true, error: { Error: 'RestoreStoppedError', Cause: reason } };
  try {
    await stepFunctions.send(new StartExecutionCommand({ stateMachineArn: detail.stateMachineArn, name: rollbackName, input: JSON.stringify(rollbackInput) }));
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    return { action: 'ignored', why: 'the roll-back was started already' };
  }
  await recordStep(customerId, executionName, ROLLBACK_STEP, 'succeeded', `${reason} Putting the previous volume back (${rollbackName}).`, new Date(), 'RestoreCustomer');
  logger.warn('Restore stopped; rolling it back', { customerId, executionName, rollbackName, status: detail.status });
  return { action: 'rerun', executionName: rollbackName };
}

async function recoverProvisioning(detail: ExecutionStatusChangeDetail, customer: LifecycleCustomer): Promise<Recovery> {
  const { customerId } = customer;
  const executionName = detail.name;
  // A retry started a newer attempt (which owns the resources now), or another tenant's execution: not ours to touch.
  if (customer.provisioningExecutionName !== executionName) return { action: 'ignored', why: 'not the customer’s current provisioning attempt' };
  // Rolled back and marked failed by its own Catch (or went live before it stopped): nothing left to do.
  if (customer.status !== 'provisioning') return { action: 'ignored', why: `the customer is ${customer.status} already` };

  const reason = stoppedExecutionMessage('Provisioning', detail, { customerId, executionName, step: CLEAN_UP_STEP });
  await failRunningSteps(customerId, executionName, reason);
  await recordStep(customerId, executionName, CLEAN_UP_STEP, 'running', 'Removing what this attempt created', new Date(), 'ProvisionCustomer');
  const attempt = customer.provisioningAttempt ?? 1;
  const leftovers: string[] = [];
  // In the rollback's order. Each undo is idempotent; one that fails for good is reported, the rest still run.
  const undo: ReadonlyArray<[string, () => Promise<unknown>]> = [
    ['subscription', () => cancelProvisionedSubscription(customerId)],
    ['DNS records', () => removeSubdomainRecords(customer.subdomain, `StackPro clean-up after ${executionName} stopped`)],
    ['email identity', () => deleteSubdomainIdentity(customer.subdomain)],
    ['instance', () => terminateCustomerInstances(customerId, attempt)],
    // The attempt may have allocated numbers before it stopped; the account never went live, so no history to keep.
    ['messaging channels', () => releaseMessagingChannels(customerId, 'rollback')],
  ];
  for (const [what, run] of undo) {
    // A duplicate event racing an operator's retry: once a newer attempt is in charge, leave its resources alone.
    const now = await getLifecycleCustomer(customerId);
    if (now?.provisioningExecutionName !== executionName || now.status !== 'provisioning') {
      return { action: 'ignored', why: 'the customer changed during the clean-up (a duplicate event or a retry)' };
    }
    try {
      await run();
    } catch (error) {
      logger.error('Clean-up step failed', { customerId, executionName, what, errorName: (error as Error).name });
      leftovers.push(what);
    }
  }
  // The step's end first, so the status route never shows `failed` beside a clean-up still running.
  await recordStep(
    customerId,
    executionName,
    CLEAN_UP_STEP,
    leftovers.length > 0 ? 'failed' : 'succeeded',
    leftovers.length > 0 ? `Could not remove: ${leftovers.join(', ')}` : 'Everything created was removed',
    new Date(),
    'ProvisionCustomer',
  );
  // Conditional on this attempt still being the current one: a stale event can never fail a newer attempt.
  if (!(await setProvisioningOutcome(customerId, executionName, 'failed', reason))) {
    return { action: 'ignored', why: 'a newer provisioning attempt took over during the clean-up' };
  }
  metrics.addMetric(METRICS.provisioningFailed, MetricUnit.Count, 1);
  if (leftovers.length > 0) metrics.addMetric(METRICS.rollbackIncomplete, MetricUnit.Count, 1);
  publishMetrics();
  return { action: 'cleaned-up', reason, leftovers };
}

async function recoverLifecycle(
  workflow: LifecycleWorkflowId,
  detail: ExecutionStatusChangeDetail,
  input: Record<string, unknown> & { customerId: string },
  customer: LifecycleCustomer,
): Promise<Recovery> {
  const rule = LIFECYCLE[workflow];
  const { customerId } = customer;
  const executionName = detail.name;
  if (detail.status === 'FAILED' && detail.error && rule.ownFailures.includes(detail.error)) {
    return { action: 'ignored', why: 'the workflow recorded its own failure' };
  }
  const startedAt = new Date(detail.startDate).toISOString();
  if (customer.lifecycleExecutionName !== executionName && (customer.lifecycleStartedAt ?? '') > startedAt) {
    return { action: 'ignored', why: 'a newer lifecycle workflow owns the account' };
  }
  if (customer.status === rule.endsIn) return { action: 'ignored', why: `the customer is ${customer.status} already` };

  const reason = stoppedExecutionMessage(rule.what, detail, { customerId, executionName, step: RERUN_STEP });
  if (executionName.endsWith(RERUN_SUFFIX)) {
    await failRunningSteps(customerId, executionName, reason);
    await recordStep(customerId, executionName, RERUN_STEP, 'failed', `${reason} It was run again once already; an operator must look at it.`, new Date(), workflow);
    metrics.addMetric(rule.failedMetric, MetricUnit.Count, 1);
    publishMetrics();
    logger.error('Lifecycle workflow stopped twice; left for operators', { customerId, executionName, workflow, status: detail.status });
    return { action: 'left-for-operators', reason };
  }

  const rerunName = `${executionName.slice(0, 80 - RERUN_SUFFIX.length)}${RERUN_SUFFIX}`;
  const rerunInput = workflow === 'DeprovisionCustomer' ? { ...input, retentionSeconds: retentionLeft(input, detail) } : input;
  await failRunningSteps(customerId, executionName, reason);
  try {
    await stepFunctions.send(new StartExecutionCommand({ stateMachineArn: detail.stateMachineArn, name: rerunName, input: JSON.stringify(rerunInput) }));
  } catch (error) {
    // The name is the idempotency key: a repeated event finds the rerun already started (or finished).
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    return { action: 'ignored', why: 'the rerun was started already' };
  }
  await recordStep(customerId, executionName, RERUN_STEP, 'succeeded', `${reason} Started ${rerunName}.`, new Date(), workflow);
  logger.warn('Lifecycle workflow stopped; started it again', { customerId, executionName, rerunName, workflow, status: detail.status });
  return { action: 'rerun', executionName: rerunName };
}

async function recoverResize(detail: ExecutionStatusChangeDetail, rawInput: Record<string, unknown>, customer: LifecycleCustomer): Promise<Recovery> {
  if (detail.status === 'FAILED' && detail.error && RESIZE_OWN_FAILURES.includes(detail.error)) {
    return { action: 'ignored', why: 'the workflow recorded its own failure' };
  }
  const parsed = ResizeInput.safeParse(rawInput);
  if (!parsed.success) return { action: 'ignored', why: 'the execution input names no plan change' };
  const input = parsed.data;
  const { customerId } = customer;
  const executionName = detail.name;
  // Completed, recorded as failed, or superseded: the account is not waiting on this change.
  if (!customer.pendingPlan || customer.planChange?.changeId !== input.changeId) return { action: 'ignored', why: 'the plan change is no longer pending' };

  const reason = stoppedExecutionMessage('Changing the plan', detail, { customerId, executionName, step: RERUN_STEP });
  await failRunningSteps(customerId, executionName, reason);
  if (executionName.endsWith(RERUN_SUFFIX)) {
    // Putting back stopped too: the customer may change plan again, and operators must look at the server.
    await failPlanChange(customerId, input.changeId, reason);
    await recordStep(customerId, executionName, RERUN_STEP, 'failed', `${reason} Putting the previous plan back was tried once already; an operator must look at it.`, new Date(), 'ResizeCustomer');
    logger.error('Resize stopped twice; left for operators', { customerId, executionName, status: detail.status });
    return { action: 'left-for-operators', reason };
  }
  const rerunName = `${executionName.slice(0, 80 - RERUN_SUFFIX.length)}${RERUN_SUFFIX}`;
  const stopped = new ResizeStoppedError(reason);
  try {
    await stepFunctions.send(
      new StartExecutionCommand({
        stateMachineArn: detail.stateMachineArn,
        name: rerunName,
        input: JSON.stringify({ ...input, error: { Error: stopped.name, Cause: stopped.message } }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    return { action: 'ignored', why: 'the rerun was started already' };
  }
  await recordStep(customerId, executionName, RERUN_STEP, 'succeeded', `${reason} Started ${rerunName} to put the previous plan back.`, new Date(), 'ResizeCustomer');
  logger.warn('Resize stopped; started putting the previous plan back', { customerId, executionName, rerunName, status: detail.status });
  return { action: 'rerun', executionName: rerunName };
}

/** Deprovisioning waits out a retention period: a rerun waits only for what was left of it when it stopped. */
function retentionLeft(input: Record<string, unknown>, detail: ExecutionStatusChangeDetail): number {
  const retention = typeof input.retentionSeconds === 'number' ? input.retentionSeconds : 0;
  const ran = Math.floor(((detail.stopDate ?? Date.now()) - detail.startDate) / 1000);
  return Math.max(0, retention - Math.max(0, ran));
}

function parseJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
