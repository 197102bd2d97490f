/**
 * Typed failures of the resize steps; the state machine's Retry and Catch match them by name. Waiting is a
 * Task that throws a not-ready error, retried with IntervalSeconds and BackoffRate (no Wait/Choice loops).
 */
export { CustomerNotFoundError } from '../provisioning/errors';
export { InstanceNotFoundError } from '../lifecycle/errors';

/** The instance has not reached the state the step waits for yet (stopped, running with an address). */
export class InstanceNotReadyError extends Error {
  override readonly name = 'InstanceNotReadyError';
}

/** The volume modification is not far enough along to grow the file system (or the command still runs). */
export class VolumeNotReadyError extends Error {
  override readonly name = 'VolumeNotReadyError';
}

/** The file-system growth command failed on the server. */
export class FileSystemGrowthError extends Error {
  override readonly name = 'FileSystemGrowthError';
}

/** The resize is not this account's pending plan change (superseded, completed, or never claimed). */
export class PlanChangeMismatchError extends Error {
  override readonly name = 'PlanChangeMismatchError';
}
