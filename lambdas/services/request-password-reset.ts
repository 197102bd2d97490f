import { config } from '../config';
import { normalizeEmail } from '../core/customer';
import { MIN_RESET_REQUEST_MS, RESET_TOKEN_TTL_MS, hashResetToken, newResetToken, resetLink } from '../core/password-reset';
import { passwordResetEmail, sendPasswordResetEmail } from '../notifications/password-reset-email';
import { logger } from '../observability';
import { getCredentials } from '../repositories/accounts';
import { deleteResetToken, reserveResetEmail, storeResetToken } from '../repositories/password-resets';

/**
 * Sends a reset link if the email has an account, and never says whether it has: the caller always gets
 * the same answer, after at least MIN_RESET_REQUEST_MS. An account gets at most the budget's emails per
 * window (more requests are accepted and dropped), and a failure to send is logged, not reported.
 */
export async function requestPasswordReset(email: string, now = Date.now()): Promise<void> {
  const floor = new Promise((resolve) => setTimeout(resolve, MIN_RESET_REQUEST_MS));
  try {
    await sendResetIfAccount(normalizeEmail(email), now);
  } finally {
    await floor;
  }
}

async function sendResetIfAccount(normalizedEmail: string, now: number): Promise<void> {
  const credentials = await getCredentials(normalizedEmail);
  if (!credentials) return;
  const { customerId } = credentials;
  const reservation = await reserveResetEmail(customerId, now);
  if (!reservation.allowed) {
    logger.warn('Password reset email dropped: budget used', { customerId });
    return;
  }
  const token = newResetToken();
  const tokenHash = hashResetToken(token);
  await storeResetToken(tokenHash, customerId, now);
  const message = passwordResetEmail(resetLink(config.frontendOrigin(), token), token, RESET_TOKEN_TTL_MS / 60_000);
  try {
    await sendPasswordResetEmail(normalizedEmail, message);
  } catch (error) {
    // The caller must not learn that this email has an account: log, drop the unusable token, answer as always.
    logger.error('Password reset email could not be sent', { customerId, errorName: (error as Error).name });
    await deleteResetToken(tokenHash).catch(() => undefined);
    return;
  }
  logger.info('Password reset email sent', { customerId });
}
