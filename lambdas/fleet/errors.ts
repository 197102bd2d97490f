/**
 * Typed failures of the FleetUpdate steps. The state machine matches them by name (statemachines/
 * fleet-update.asl.json): a customer's failed update is rolled back, a failed rollback is recorded. The
 * messages become the report's `reason`, read by operators.
 */

/** The deploy command ran, but the apps did not answer its health check (exit code 3): roll back. */
export class AppsUnhealthyError extends Error {
  override readonly name = 'AppsUnhealthyError';
}

/** The deploy command ended Failed, TimedOut or Cancelled for another reason. */
export class AppCommandFailedError extends Error {
  override readonly name = 'AppCommandFailedError';
}

/** The update cannot start on this customer (no server recorded, agent not online): nothing was changed. */
export class UpdateNotStartedError extends Error {
  override readonly name = 'UpdateNotStartedError';
}
