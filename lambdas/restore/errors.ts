/**
 * The restore workflow's typed errors: the state machine routes them by name, and their messages (ids only,
 * never customer data) are customer-safe (lambdas/workflows/failure-messages.ts lists them).
 */

/** AWS Backup's restore job ended FAILED or ABORTED: the server was not touched. */
export class RestoreJobFailedError extends Error {
  override readonly name = 'RestoreJobFailedError';
}

/** The recovery point is not one of this customer's volumes (or is gone): nothing is restored. */
export class RecoveryPointNotOwnedError extends Error {
  override readonly name = 'RecoveryPointNotOwnedError';
}

/** The recovery point is still being made (or failed): only a COMPLETED point can be restored. */
export class RecoveryPointNotReadyError extends Error {
  override readonly name = 'RecoveryPointNotReadyError';
}

/** The customer's restore record is missing or names another restore: this execution is not in charge. */
export class RestoreNotClaimedError extends Error {
  override readonly name = 'RestoreNotClaimedError';
}

/** A volume is not where the swap expects it (attached to another instance, or gone). */
export class VolumeSwapError extends Error {
  override readonly name = 'VolumeSwapError';
}

/** A restore stopped from the console, timed out or aborted: the stopped-execution handler rolls it back with this cause. */
export class RestoreStoppedError extends Error {
  override readonly name = 'RestoreStoppedError';
}
