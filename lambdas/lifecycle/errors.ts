/**
 * Typed failures of lifecycle steps (suspend, resume, deprovision). The state machines match them by
 * name. Provisioning's errors are reused where they mean the same thing: CustomerNotFoundError,
 * StaleExecutionError (here: a lifecycle workflow started later owns the account), InstanceLostError.
 * A wait that outlasts its bound ends in the check's NotReadyError (lambdas/workflows/errors.ts).
 */
export { CustomerNotFoundError, InstanceLostError, StaleExecutionError } from '../provisioning/errors';

/** The account's status is not one this workflow acts on (e.g. suspending an account still provisioning). */
export class CustomerStatusConflictError extends Error {
  override readonly name = 'CustomerStatusConflictError';
}

/** The customer has no instance to stop or start (none recorded, none tagged with the customer id). */
export class InstanceNotFoundError extends Error {
  override readonly name = 'InstanceNotFoundError';
}

/** EBS reported the final backup snapshot in state `error`: nothing may be deleted without a backup. */
export class SnapshotFailedError extends Error {
  override readonly name = 'SnapshotFailedError';
}
