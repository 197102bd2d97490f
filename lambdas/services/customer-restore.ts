import { ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { checkRecoveryPoint } from '../backups/ownership';
import { config } from '../config';
import type { CustomerStatus } from '../core/customer';
import { InvalidStateError, NotFoundError, ServiceUnavailableError, WorkflowRunningError } from '../core/errors';
import { logger } from '../observability';
import { claimRestore, getRestore, releaseRestore, type RestoreRecord } from '../repositories/restores';
import { customerVolumeId } from './customer-backups';
import { customerStatus, type CustomerStatusView } from './customer-status';
import { startWorkflow } from './lifecycle-workflows';

export interface RestoreResult {
  readonly customerId: string;
  readonly recoveryPointId: string;
  readonly executionName: string;
  /** False when this very restore was already running: nothing new was started. */
  readonly changed: boolean;
}

/** A restore stops and starts the server of a live account. */
const RESTORABLE: readonly CustomerStatus[] = ['active', 'past_due'];
/** Statuses that mean a workflow (provisioning, suspend, resume) is on the customer right now. */
const MOVING: readonly CustomerStatus[] = ['provisioning', 'waiting_for_capacity', 'suspending', 'resuming'];
/**
 * A running claim older than this cannot belong to a live execution (the ASL's TimeoutSeconds is 3 h): it
 * was left by a crash between the claim and StartExecution, and a new restore may take it over.
 */
const STALE_CLAIM_MS = 4 * 3600 * 1000;

/**
 * An operator restores a customer from one of its recovery points (`POST /admin/customers/{id}/restore`).
 * Refused unless the point is the customer's (another customer's point answers 404 like an unknown one)
 * and COMPLETED, the customer live, and no other workflow running on it (409 WORKFLOW_RUNNING). The
 * restore is claimed on the customer's RESTORE item before the execution starts, so a burst of the same
 * request starts one execution: the others answer the same execution name (`changed: false`).
 */
export async function restoreCustomer(
  customerId: string,
  recoveryPointId: string,
  now = new Date(),
  /** The customer's status when the caller read it already (the route does, for its 404 before the body). */
  known?: CustomerStatusView,
): Promise<RestoreResult> {
  const status = known ?? (await customerStatus(customerId));
  if (MOVING.includes(status.status)) throw new WorkflowRunningError(`A workflow is running on this customer (status ${status.status}); retry once it has ended.`);
  if (!RESTORABLE.includes(status.status)) throw new InvalidStateError(`Cannot restore a customer whose status is ${status.status}.`);

  const existing = await getRestore(customerId);
  const repeat = await repeatOf(customerId, recoveryPointId, existing);
  if (repeat) return repeat;
  if (status.workflow?.currentStep) {
    throw new WorkflowRunningError(`${status.workflow.name} is running on this customer ("${status.workflow.currentStep}"); retry once it has ended.`);
  }

  const check = await checkRecoveryPoint(customerId, recoveryPointId, await customerVolumeId(customerId));
  if (check === 'not-found') throw new NotFoundError('recovery point');
  if (check === 'not-ready') throw new InvalidStateError('This recovery point is not complete yet; restore it once the backup list shows it COMPLETED.');

  const executionName = `restore-${customerId}-${now.getTime()}`;
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS).toISOString();
  if (!(await claimRestore(customerId, { executionName, recoveryPointId, requestedAt: now.toISOString() }, staleBefore))) {
    // Another request claimed it first: the same restore answers like a repeat, anything else is refused.
    const repeated = await repeatOf(customerId, recoveryPointId, await getRestore(customerId));
    if (repeated) return repeated;
    throw new WorkflowRunningError('Another restore of this customer is running; retry once it has ended.');
  }
  try {
    await startWorkflow(config.restoreStateMachineArn(), executionName, { customerId, recoveryPointId });
  } catch (error) {
    logger.error('Restore could not start; claim released', { customerId, errorName: (error as Error).name });
    await releaseRestore(customerId, executionName);
    throw new ServiceUnavailableError();
  }
  logger.info('Restore started', { customerId, executionName });
  return { customerId, recoveryPointId, executionName, changed: true };
}

/**
 * A running restore of the same point is this request again: StartExecution with the claim's name and
 * input once more (idempotent while it runs; finished, Step Functions refuses the name), which also
 * starts it if the first request crashed between its claim and StartExecution. A running restore of
 * another point is refused.
 */
async function repeatOf(customerId: string, recoveryPointId: string, existing: RestoreRecord | undefined): Promise<RestoreResult | undefined> {
  if (existing?.state !== 'running') return undefined;
  if (existing.recoveryPointId !== recoveryPointId) {
    throw new WorkflowRunningError(`A restore of another recovery point (${existing.recoveryPointId}) is running on this customer.`);
  }
  try {
    await startWorkflow(config.restoreStateMachineArn(), existing.executionName, { customerId, recoveryPointId });
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
  return { customerId, recoveryPointId, executionName: existing.executionName, changed: false };
}
