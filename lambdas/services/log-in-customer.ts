import { normalizeEmail } from '../core/customer';
import { InvalidCredentialsError, TooManyAttemptsError } from '../core/errors';
import { lockoutRemainingMs } from '../core/login-throttle';
import { verifyAgainstDummy, verifyPassword } from '../core/passwords';
import { logger } from '../observability';
import { getCredentials } from '../repositories/accounts';
import { clearLoginAttempts, getLoginAttempts, recordFailedLogin } from '../repositories/login-attempts';
import { startSession } from '../repositories/sessions';
import { issueTokens, type SessionTokens } from './session-tokens';

/**
 * Checks an email and password. A wrong password and an unknown email take the same path (a full argon2
 * verification, a counted failure) and the same error, so neither the body nor the timing tells them
 * apart. A locked email is refused before the password is even checked.
 */
export async function logInCustomer(email: string, password: string, now = Date.now()): Promise<SessionTokens & { customerId: string }> {
  const normalized = normalizeEmail(email);
  const remaining = lockoutRemainingMs(await getLoginAttempts(normalized), now);
  if (remaining > 0) throw new TooManyAttemptsError(remaining / 1000);

  const credentials = await getCredentials(normalized);
  const valid = credentials ? await verifyPassword(password, credentials.passwordHash) : await verifyAgainstDummy(password);
  if (!credentials || !valid) {
    const failures = await recordFailedLogin(normalized, now);
    logger.info('Login failed', { failuresInWindow: failures });
    throw new InvalidCredentialsError();
  }
  await clearLoginAttempts(normalized);
  const session = await startSession(credentials.customerId, now);
  logger.info('Customer logged in', { customerId: credentials.customerId });
  return { customerId: credentials.customerId, ...(await issueTokens(credentials.customerId, session, new Date(now))) };
}
