import * as z from 'zod/mini';
import { getCustomer } from '../repositories/accounts';
import { failRunningSteps } from '../repositories/provisioning-log';
import { sendCustomerEmail } from '../notifications/customer-email';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, workflowStep, StepContext } from '../workflows/step-kit';
import { CustomerNotFoundError } from './errors';

const Input = z.extend(StepContext, {
  kind: z.enum(['suspended', 'resumed', 'cancelled', 'restored', 'restore_rolled_back']),
  /** suspended: the suspension reason code, for the email's wording. */
  reason: z.optional(z.string().check(z.maxLength(40))),
  /** Set by the state machine's Catch once retries are spent: record the failure and move on. */
  giveUp: z.optional(z.boolean()),
  error: z.optional(CaughtError),
});

/**
 * "Send suspension / resumed / cancellation email": one notice per execution (its name is the dedupe
 * key), so a retried step never emails twice. An email that cannot be sent does not undo the change it
 * announces: the step is logged as failed and the workflow still succeeds.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, kind, reason, giveUp, error }) => {
  if (giveUp) {
    const message = `Not sent: ${error ? describeFailure(error, { customerId, executionName }) : 'unknown error'}`;
    await failRunningSteps(customerId, executionName, message);
    return { output: { sent: false }, status: 'failed', message };
  }
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  const { sent } = await sendCustomerEmail(customer, kind, { dedupeKey: executionName, reason });
  return { output: { sent }, message: sent ? `Sent the ${kind} email` : `The ${kind} email was sent already` };
});
