import { InvalidResetTokenError } from '../core/errors';
import { hashResetToken } from '../core/password-reset';
import { hashPassword } from '../core/passwords';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { findUsableResetToken, resetPasswordWithToken } from '../repositories/password-resets';
import { revokeAllSessions } from '../repositories/sessions';

/**
 * Sets a new password with a reset token: spends the token, sets the hash and lifts the login lockout in
 * one transaction, and revokes every session of the account (whoever knew the old password is signed out).
 * An unusable token is refused before any hashing work.
 */
export async function resetPassword(token: string, password: string, now = Date.now()): Promise<void> {
  const tokenHash = hashResetToken(token);
  const record = await findUsableResetToken(tokenHash, now);
  if (!record) throw new InvalidResetTokenError();
  const customer = await getCustomer(record.customerId);
  if (!customer) throw new InvalidResetTokenError();

  const passwordHash = await hashPassword(password);
  // Before the commit too, so a crash right after it (the token is then spent) cannot leave old sessions alive.
  await revokeAllSessions(record.customerId, now);
  await resetPasswordWithToken(tokenHash, record, customer.email, passwordHash, now);
  // And after: a session started between the two (with the old password, just before the commit) ends too.
  const revoked = await revokeAllSessions(record.customerId, now);
  logger.info('Password reset', { customerId: record.customerId, sessionsRevoked: revoked });
}
