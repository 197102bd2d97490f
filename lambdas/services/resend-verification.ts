import { InvalidStateError, NotFoundError, ServiceUnavailableError, VerificationEmailLimitError } from '../core/errors';
import { config } from '../config';
import { decideResend, hashVerificationToken, newVerificationToken } from '../core/verification';
import { logger } from '../observability';
import { sendVerificationEmail } from '../notifications/verification-email';
import { getCustomer } from '../repositories/accounts';
import { deleteVerificationToken, recordResend } from '../repositories/verification-tokens';

/** Compare-and-set rounds before a contended resend gives up (each round one concurrent resend wins). */
const MAX_ROUNDS = 8;

/**
 * POST /auth/resend-verification: a new link for the caller's own pending account, at most RESEND_LIMIT
 * an hour. Earlier links stay valid until they expire (any of them verifies; the first to be used wins),
 * because the person may well open the first email after asking for a second. An already verified
 * account gets 409 INVALID_STATE.
 */
export async function resendVerification(customerId: string, now = Date.now()): Promise<void> {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const customer = await getCustomer(customerId, { consistent: true });
    if (!customer) throw new NotFoundError('customer');
    if (customer.status !== 'pending_verification') throw new InvalidStateError('This email address is already verified.');
    if ((customer.pendingExpiresAt ?? 0) <= now) throw new InvalidStateError('This signup has expired; sign up again.');

    const decision = decideResend(customer.verificationResentAt, now);
    if (!decision.allowed) throw new VerificationEmailLimitError(decision.retryAfterSeconds);
    const value = newVerificationToken();
    const token = { hash: hashVerificationToken(value), expiresAt: now + config.verificationTokenTtlSeconds() * 1000 };
    const tokens = [...(customer.verificationTokens ?? []).filter((live) => live.expiresAt > now), token];
    if (!(await recordResend(customerId, { version: customer.verificationVersion, resentAt: decision.recent, tokens, token }))) continue;

    try {
      await sendVerificationEmail(customer.email, value);
    } catch (error) {
      // The resend still counts towards the limit (it was reserved); the undelivered token is dropped.
      logger.warn('Could not send the verification email', { customerId, errorName: (error as Error).name });
      await deleteVerificationToken(token.hash).catch(() => undefined);
      throw new ServiceUnavailableError();
    }
    logger.info('Verification email re-sent', { customerId });
    return;
  }
  // Many resends at once for one account: the ones that did not get a turn are over the limit anyway.
  throw new VerificationEmailLimitError(1);
}
