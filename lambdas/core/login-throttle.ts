/**
 * Brute-force protection for one email: after MAX_FAILURES failed logins within WINDOW, every login for
 * that email is refused for COOL_DOWN, even with the right password.
 */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;
export const COOL_DOWN_MS = 15 * 60 * 1000;

export interface LoginAttempts {
  readonly failures: number;
  readonly windowStartsAt: number;
  readonly lockedUntil?: number;
}

/** Milliseconds until `email` may try again, or 0 when it may try now. */
export function lockoutRemainingMs(attempts: LoginAttempts | undefined, now: number): number {
  if (!attempts?.lockedUntil) return 0;
  return Math.max(0, attempts.lockedUntil - now);
}

/** Whether a failure count, just recorded, should lock the email. */
export function shouldLock(failuresInWindow: number): boolean {
  return failuresInWindow >= MAX_FAILURES;
}
