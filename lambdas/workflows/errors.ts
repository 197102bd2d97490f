/**
 * Errors every workflow's steps share. A check step ("Check instance", "Check deployment", ...) throws
 * NotReadyError while what it waits for has not happened yet; its Task retries that name at the poll
 * interval, up to a bound, in the ASL. One retry is one state transition, where a Wait, a check and a
 * Choice were three. When the bound runs out, the error goes to the Task's Catch like any other failure,
 * so its message is written to be read as a failure reason too ("... is still pending").
 */
export class NotReadyError extends Error {
  override readonly name: string = 'NotReadyError';
}
