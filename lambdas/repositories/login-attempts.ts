import { createHash } from 'node:crypto';
import { LOGIN_BUDGET } from '../core/login-throttle';
import { keys } from './keys';
import type { Reservation } from '../core/usage-budget';
import { clearUses, reserveUse } from './usage-windows';

/** The counter is keyed by a hash of the email, so neither the key nor a log of it holds the address. */
export const loginAttemptsKey = (normalizedEmail: string) =>
  keys.loginAttempts(createHash('sha256').update(normalizedEmail).digest('base64url'));

/** Reserves one password check for this email (one atomic conditional update), before the check runs. */
export function reservePasswordCheck(normalizedEmail: string, now: number): Promise<Reservation> {
  return reserveUse(loginAttemptsKey(normalizedEmail), LOGIN_BUDGET, now);
}

/** Lifts the lockout (after a password reset). */
export async function clearLoginAttempts(normalizedEmail: string): Promise<void> {
  await clearUses(loginAttemptsKey(normalizedEmail));
}
