import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { randomBytes, randomUUID } from 'node:crypto';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import { normalizeEmail, provisioningExecutionName, type Customer } from '../core/customer';
import { ServiceUnavailableError } from '../core/errors';
import { hashPassword } from '../core/passwords';
import { trialEndsAt } from '../core/plans';
import { firstSlug, slugWithSuffix, slugify } from '../core/slug';
import { logger } from '../observability';
import { SlugTakenError, createAccount, deleteUnstartedAccount } from '../repositories/accounts';
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
 * Creates the account (one transaction), then starts its provisioning execution and returns at once.
 * If the execution cannot be started, the account is removed again and the caller gets a 503, so the
 * person can simply retry: there is never an account that nothing will ever provision.
 */
export async function signUpCustomer(input: SignUpBody, now = new Date()): Promise<SignUpResult> {
  const passwordHash = await hashPassword(input.password);
  const customerId = randomUUID();
  const session = newSession(now.getTime());
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
      status: 'provisioning',
      subdomain: `${slug}.${config.customerDomain()}`,
      createdAt: now.toISOString(),
      trialEndsAt: trialEndsAt(now).toISOString(),
      provisioningExecutionName: provisioningExecutionName(slug, customerId),
    };
    try {
      await createAccount(candidate, passwordHash, slug, session);
      customer = candidate;
    } catch (error) {
      if (!(error instanceof SlugTakenError) || attempt >= SLUG_ATTEMPTS) throw error;
      slug = slugWithSuffix(baseSlug, randomBytes(3).toString('hex'));
    }
  }

  try {
    await stepFunctions.send(
      new StartExecutionCommand({
        stateMachineArn: config.provisioningStateMachineArn(),
        name: customer.provisioningExecutionName,
        // Ids only: execution input is visible in the console and history, so no PII goes in.
        input: JSON.stringify({ customerId, attempt: 1 }),
      }),
    );
  } catch (error) {
    logger.error('Could not start provisioning; removing the account', { customerId, errorName: (error as Error).name });
    await deleteUnstartedAccount(customer, slug, session);
    throw new ServiceUnavailableError();
  }
  logger.info('Customer signed up', { customerId, plan: customer.plan });
  return { customer, tokens: await issueTokens(customerId, session, now) };
}
