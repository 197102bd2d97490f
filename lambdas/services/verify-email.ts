import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import type { Customer, CustomerStatus } from '../core/customer';
import { InvalidVerificationTokenError, ServiceUnavailableError } from '../core/errors';
import { trialEndsAt } from '../core/plans';
import { hashVerificationToken } from '../core/verification';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS } from '../core/metric-names';
import { metrics, publishMetrics } from '../metrics';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { getVerificationToken, markProvisioningStarted, markVerified, undoVerification } from '../repositories/verification-tokens';

export interface VerifyResult {
  readonly customerId: string;
  readonly status: CustomerStatus;
}

/**
 * A verified account whose execution has not been recorded as started this long after verification was
 * interrupted between the two (a Lambda times out well before): the next click starts it.
 */
const INTERRUPTED_AFTER_MS = 60_000;

/**
 * POST /auth/verify-email: spends the token, moves the account to `provisioning`, starts the trial now and
 * starts the provisioning execution. Any number of clicks (in a row or at once) start one execution: one
 * transaction decides who verifies, and the others answer the current status. If the execution cannot be
 * started, verification is undone and the client gets 503, so the same link works again.
 */
export async function verifyEmail(token: string, now = Date.now()): Promise<VerifyResult> {
  const tokenHash = hashVerificationToken(token);
  const record = await getVerificationToken(tokenHash);
  if (!record || record.expiresAt <= now) throw new InvalidVerificationTokenError();
  const customer = await getCustomer(record.customerId, { consistent: true });
  if (!customer) throw new InvalidVerificationTokenError();

  if (customer.status !== 'pending_verification') {
    if (wasInterrupted(customer, now)) {
      await startProvisioning(customer);
      await recordStarted(customer.customerId);
    }
    return { customerId: customer.customerId, status: customer.status };
  }
  // An abandoned account may already have lost its email or subdomain to a new signup.
  if ((customer.pendingExpiresAt ?? 0) <= now) throw new InvalidVerificationTokenError();

  if (!(await markVerified(customer, tokenHash, now, trialEndsAt(new Date(now)).toISOString()))) {
    // Someone else verified first (another click), or the token was spent meanwhile: say where things are.
    const current = await getCustomer(customer.customerId, { consistent: true });
    if (!current) throw new InvalidVerificationTokenError();
    // Still pending: the winner's start failed and was undone just now; a retry will know.
    if (current.status === 'pending_verification') throw new ServiceUnavailableError(1);
    return { customerId: current.customerId, status: current.status };
  }

  try {
    await startProvisioning(customer);
  } catch (error) {
    logger.error('Could not start provisioning; verification undone', { customerId: customer.customerId, errorName: (error as Error).name });
    await undoVerification(customer, tokenHash, now);
    throw new ServiceUnavailableError();
  }
  await recordStarted(customer.customerId);
  logger.info('Email verified, provisioning started', { customerId: customer.customerId });
  // Counted once per account: only the click that won the verification gets here.
  metrics.addMetric(METRICS.emailVerified, MetricUnit.Count, 1);
  publishMetrics();
  return { customerId: customer.customerId, status: 'provisioning' };
}

function wasInterrupted(customer: Customer, now: number): boolean {
  return (
    customer.status === 'provisioning' &&
    (customer.provisioningAttempt ?? 1) === 1 &&
    customer.provisioningStartedAt === undefined &&
    customer.verifiedAt !== undefined &&
    Date.parse(customer.verifiedAt) < now - INTERRUPTED_AFTER_MS
  );
}

/**
 * StartExecution under the signup's execution name (`<slug>-<customerId>`): Step Functions refuses a
 * second execution of that name, and repeats the running one for the same name and input.
 */
async function startProvisioning(customer: Customer): Promise<void> {
  const { customerId } = customer;
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
    // Started before (a lost response): the one execution of this name exists.
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    logger.warn('Provisioning execution already existed', { customerId });
  }
}

/** Best effort: the execution runs either way; without the mark a later click merely repeats StartExecution. */
async function recordStarted(customerId: string): Promise<void> {
  await markProvisioningStarted(customerId, Date.now()).catch((error: unknown) =>
    logger.warn('Could not record that provisioning started', { customerId, errorName: (error as Error).name }),
  );
}
