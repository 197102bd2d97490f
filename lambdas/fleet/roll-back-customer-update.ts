import * as z from 'zod/mini';
import { getCustomer } from '../repositories/accounts';
import { getFleetUpdateCustomer, setCustomerInFlight, startRollback } from '../repositories/fleet-updates';
import { describeFailure } from '../workflows/failure-messages';
import { CaughtError, StepContext, workflowStep } from '../workflows/step-kit';
import { sendAppVersion } from './app-commands';
import { UpdateNotStartedError } from './errors';

const Input = z.extend(StepContext, {
  updateId: z.string().check(z.minLength(1)),
  instanceId: z.string().check(z.minLength(1)),
  fromVersion: z.string().check(z.minLength(1)),
  error: CaughtError,
});

/**
 * "Roll back customer": the update failed on this server (apps not answering, command failed), so it
 * counts against the error budget now, and the deploy document runs again with the version the customer
 * had; the report says why it failed. A retried step reuses the rollback command it already sent.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, updateId, instanceId, fromVersion, error }) => {
  const reason = describeFailure(error, { customerId, executionName, step: 'Check update' });
  const line = await getFleetUpdateCustomer(updateId, customerId);
  if (line?.rollbackCommandId) return { output: { commandId: line.rollbackCommandId }, message: `Rollback ${line.rollbackCommandId} already sent` };
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) throw new UpdateNotStartedError('The customer is gone; nothing to roll back');
  await startRollback(updateId, customerId, reason);
  const commandId = await sendAppVersion(customer, instanceId, fromVersion, `StackPro fleet update ${updateId} rollback to ${fromVersion}`);
  await setCustomerInFlight(updateId, customerId, { result: 'rolling_back', rollbackCommandId: commandId });
  return { output: { commandId }, message: `Putting version ${fromVersion} back (command ${commandId}): ${reason}` };
});
