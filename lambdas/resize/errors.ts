/**
 * Typed failures of the resize steps; the state machine's Retry and Catch match them by name. Waiting is a
 * Task that throws NotReadyError (lambdas/workflows/errors.ts), retried at a fixed interval (no Wait/Choice
 * loops), as in every other workflow.
 */
export { CustomerNotFoundError } from '../provisioning/errors';
export { InstanceNotFoundError } from '../lifecycle/errors';
export { NotReadyError } from '../workflows/errors';

/** The file-system growth command failed on the server. */
export class FileSystemGrowthError extends Error {
  override readonly name = 'FileSystemGrowthError';
}

/** After the start, the apps did not answer on the server (the check command failed). */
export class AppsNotAnsweringError extends Error {
  override readonly name = 'AppsNotAnsweringError';
}

/** The resize is not this account's pending plan change (superseded, completed, or never claimed). */
export class PlanChangeMismatchError extends Error {
  override readonly name = 'PlanChangeMismatchError';
}

/**
 * Why a resize stopped from the console (or timed out) is put back: the stopped-execution handler starts
 * the rerun with `{Error: 'ResizeStoppedError', Cause: <its message>}` as the execution's `error`
 * (lambdas/workflows/stopped-executions.ts), which Record resize failure keeps as the reason.
 */
export class ResizeStoppedError extends Error {
  override readonly name = 'ResizeStoppedError';
}
