import { randomBytes, randomUUID } from 'node:crypto';
import { config } from '../config';
import { normalizeEmail, provisioningExecutionName, type Customer } from '../core/customer';
import { hashVerificationToken, newVerificationToken } from '../core/verification';
import { hashPassword } from '../core/passwords';
import { firstSlug, slugWithSuffix, slugify } from '../core/slug';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { sendVerificationEmail } from '../notifications/verification-email';
import { SlugTakenError, createAccount } from '../repositories/accounts';
import { newSession } from '../repositories/sessions';
import type { SignUpBody } from '../api/schemas';
import { issueTokens, type SessionTokens } from './session-tokens';

/** How many subdomain variants to try when the company's slug is taken. */
const SLUG_ATTEMPTS = 4;

export interface SignUpResult {
  readonly customer: Customer;
  readonly tokens: SessionTokens;
}

/**
 * Creates the account, pending email verification (one transaction), and emails the verification link.
 * Nothing is provisioned, billed or started until the email is verified (services/verify-email.ts). If
 * the email cannot be sent, the account still exists and the person asks for another one (resend).
 */
export async function signUpCustomer(input: SignUpBody, now = new Date()): Promise<SignUpResult> {
  const passwordHash = await hashPassword(input.password);
  const customerId = randomUUID();
  const session = newSession(now.getTime());
  const token = newVerificationToken();
  const verificationToken = { hash: hashVerificationToken(token), expiresAt: now.getTime() + config.verificationTokenTtlSeconds() * 1000 };
  const pendingExpiresAt = now.getTime() + config.unverifiedAccountTtlSeconds() * 1000;
  const baseSlug = slugify(input.company);

  let customer: Customer | undefined;
  let slug = firstSlug(baseSlug, () => randomBytes(3).toString('hex'));
  for (let attempt = 1; !customer; attempt++) {
    const candidate: Customer = {
      customerId,
      email: normalizeEmail(input.email),
      firstName: input.firstName,
      lastName: input.lastName,
      company: input.company,
      plan: input.plan,
      status: 'pending_verification',
      subdomain: `${slug}.${config.customerDomain()}`,
      createdAt: now.toISOString(),
      provisioningExecutionName: provisioningExecutionName(slug, customerId),
    };
    try {
      await createAccount(candidate, passwordHash, slug, session, { verificationToken, pendingExpiresAt, now: now.getTime() });
      customer = { ...candidate, pendingExpiresAt };
    } catch (error) {
      if (!(error instanceof SlugTakenError) || attempt >= SLUG_ATTEMPTS) throw error;
      slug = slugWithSuffix(baseSlug, randomBytes(3).toString('hex'));
    }
  }

  try {
    await sendVerificationEmail(customer.email, token);
  } catch (error) {
    // The account is fine; POST /auth/resend-verification sends another link.
    logger.warn('Could not send the verification email', { customerId, errorName: (error as Error).name });
  }
  logger.info('Customer signed up, pending email verification', { customerId, plan: customer.plan });
  // The operations dashboard's signups (lib/operations-monitoring.ts).
  metrics.addMetric(METRICS.customerSignedUp, MetricUnit.Count, 1);
  publishMetrics();
  return { customer, tokens: await issueTokens(customerId, session, now) };
}
