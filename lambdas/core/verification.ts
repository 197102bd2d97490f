import { frontendLink, hashOneTimeToken, newOneTimeToken } from './one-time-tokens';

/**
 * Email verification rules. A token is 32 random bytes (base64url); only its SHA-256 is stored, so a
 * table leak verifies nobody. It is single-use and lives 24 hours. An account that is never verified is
 * abandoned after 7 days: its email and subdomain become free and the clean-up removes it. (Both
 * durations are settings in lambdas/config.ts, so tests can shorten them.)
 */

/** Resends allowed per account in any sliding hour (the signup's own email is not counted). */
export const RESEND_LIMIT = 3;
export const RESEND_WINDOW_MS = 3600 * 1000;

export const newVerificationToken = newOneTimeToken;
export const hashVerificationToken = hashOneTimeToken;

/** The link in the email: the frontend reads the token and posts it to POST /auth/verify-email. */
export function verificationLink(frontendOrigin: string, token: string): string {
  return frontendLink(frontendOrigin, 'verify-email', token);
}

export type ResendDecision =
  /** `recent`: the resend times still inside the window, with this one appended. */
  | { readonly allowed: true; readonly recent: readonly number[] }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Sliding-window limit on resends: at most RESEND_LIMIT in any RESEND_WINDOW_MS. When refused, the
 * client may retry once the oldest resend in the window has aged out.
 */
export function decideResend(previous: readonly number[] | undefined, now: number): ResendDecision {
  const recent = (previous ?? []).filter((sentAt) => sentAt > now - RESEND_WINDOW_MS).sort((a, b) => a - b);
  if (recent.length >= RESEND_LIMIT) {
    // Clamped: a concurrent resend may carry a clock slightly ahead of ours.
    const waitMs = Math.min(RESEND_WINDOW_MS, recent[recent.length - RESEND_LIMIT] + RESEND_WINDOW_MS - now);
    return { allowed: false, retryAfterSeconds: waitMs / 1000 };
  }
  return { allowed: true, recent: [...recent, now] };
}
