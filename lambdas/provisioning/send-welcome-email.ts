import * as z from 'zod/mini';
import { sendWelcomeEmail } from '../notifications/welcome-email';
import { getCustomer } from '../repositories/accounts';
import { markWelcomeEmailSent } from '../repositories/customer-lifecycle';
import { failRunningSteps } from '../repositories/provisioning-log';
import { CaughtError, StepContext, workflowStep } from '../workflows/step-kit';
import { CustomerNotFoundError } from './errors';
import { describeFailure } from '../workflows/failure-messages';

const Input = z.extend(StepContext, {
  /** Set by the state machine's Catch once retries are spent: record the failure and move on. */
  giveUp: z.optional(z.boolean()),
  error: z.optional(CaughtError),
});

/**
 * "Send welcome email": tells the customer their stack is ready. Sent before it is marked, so a crash in
 * between can at worst repeat it, never lose it; a retry after the mark sends nothing. A welcome email
 * that cannot be sent does not undo a live stack: the step is logged as failed and provisioning goes on.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, giveUp, error }) => {
  if (giveUp) {
    const message = `Not sent: ${error ? describeFailure(error, { customerId, executionName }) : 'unknown error'}`;
    await failRunningSteps(customerId, executionName, message);
    return { output: { sent: false }, status: 'failed', message };
  }
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  if (customer.welcomeEmailSentAt) return { output: { sent: false }, message: 'Welcome email already sent' };
  await sendWelcomeEmail(customer);
  await markWelcomeEmailSent(customerId);
  return { output: { sent: true }, message: 'Welcome email sent' };
});
