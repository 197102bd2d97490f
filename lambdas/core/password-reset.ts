import { frontendLink, hashOneTimeToken, newOneTimeToken } from './one-time-tokens';
import type { UsageBudget } from './usage-budget';

/**
 * Password reset rules. The token is an opaque random string sent only by email; only its SHA-256 is
 * stored, it works once, for an hour, and never after a later password change.
 */
export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Reset emails one account can be sent, so the route cannot be used to flood a mailbox. */
export const RESET_EMAIL_BUDGET: UsageBudget = { max: 3, windowMs: 60 * 60 * 1000 };

/**
 * Every reset request takes at least this long, whether or not the email has an account (whose path also
 * stores a token and calls SES), so response times do not tell the two apart.
 */
export const MIN_RESET_REQUEST_MS = 400;

export const newResetToken = newOneTimeToken;
export const hashResetToken = hashOneTimeToken;

/** The frontend page that asks for the new password. */
export function resetLink(frontendOrigin: string, token: string): string {
  return frontendLink(frontendOrigin, 'reset-password', token);
}
