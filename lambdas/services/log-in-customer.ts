import { normalizeEmail } from '../core/customer';
import { InvalidCredentialsError, TooManyAttemptsError } from '../core/errors';
import { verifyAgainstDummy, verifyPassword } from '../core/passwords';
import { logger } from '../observability';
import { getCredentials } from '../repositories/accounts';
import { keys } from '../repositories/keys';
import { reservePasswordCheck } from '../repositories/login-attempts';
import { startSession } from '../repositories/sessions';
import { issueTokens, type SessionTokens } from './session-tokens';

/**
 * Checks an email and password. Every check is first reserved for the email (one atomic conditional
 * update), so however many requests arrive at once, no more than the budget's checks ever run; the rest
 * get 429. A wrong password and an unknown email take the same path (a reservation, a full argon2
 * verification) and the same error, so neither the body nor the timing tells them apart.
 */
export async function logInCustomer(email: string, password: string, now = Date.now()): Promise<SessionTokens & { customerId: string }> {
  const normalized = normalizeEmail(email);
  const reservation = await reservePasswordCheck(normalized, now);
  if (!reservation.allowed) throw new TooManyAttemptsError(reservation.retryAfterMs / 1000);

  const credentials = await getCredentials(normalized);
  const valid = credentials ? await verifyPassword(password, credentials.passwordHash) : await verifyAgainstDummy(password);
  if (!credentials || !valid) {
    logger.info('Login failed', { checksInWindow: reservation.used });
    throw new InvalidCredentialsError();
  }
  // A success does not give its check back: a burst holding the right password still gets at most the budget.
  const session = await startSession(credentials.customerId, now, { key: keys.credentials(normalized), passwordHash: credentials.passwordHash });
  logger.info('Customer logged in', { customerId: credentials.customerId });
  return { customerId: credentials.customerId, ...(await issueTokens(credentials.customerId, session, new Date(now))) };
}
