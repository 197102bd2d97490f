import * as z from 'zod/mini';
import { BASELINE_APP_VERSION } from '../core/app-versions';
import { budgetSpent } from '../core/fleet-updates';
import { getCustomer } from '../repositories/accounts';
import { finishCustomer, getFleetUpdate, getFleetUpdateCustomer, setCustomerInFlight } from '../repositories/fleet-updates';
import { getInfrastructure } from '../repositories/infrastructure';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { sendAppVersion } from './app-commands';
import { UpdateNotStartedError } from './errors';

const Input = z.extend(StepContext, { updateId: z.string().check(z.minLength(1)), version: z.string().check(z.minLength(1)) });

export type StartOutput =
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'started'; readonly instanceId: string; readonly commandId: string; readonly fromVersion: string; readonly startedAt: string };

/** Statuses that mean the customer's own workflow (suspend, resume, provisioning...) is running now. */
const OWN_WORKFLOW_RUNNING = ['provisioning', 'waiting_for_capacity', 'suspending', 'resuming'];

/**
 * "Start customer update": the error budget first (more than maxFailures failed: skipped, never touched),
 * then the customer as it is now (only `active`: one whose own workflow runs or who left active since the
 * selection is skipped, with why), then its previous version is recorded and the deploy document sent
 * with the new one. A retried step finds its command in the report and sends nothing twice.
 */
export const handler = workflowStep(Input, async ({ customerId, updateId, version }) => {
  const skip = async (reason: string) => {
    await finishCustomer(updateId, customerId, { result: 'skipped', reason, finishedAt: new Date().toISOString() });
    return { output: { outcome: 'skipped', reason } as StartOutput, message: `Fleet update skipped: ${reason}` };
  };
  const update = await getFleetUpdate(updateId);
  if (!update) throw new Error(`Fleet update ${updateId} is not stored`);
  const line = await getFleetUpdateCustomer(updateId, customerId);
  if (line && ['updated', 'failed', 'skipped'].includes(line.result)) {
    return { output: { outcome: 'skipped', reason: `Already ${line.result}` } as StartOutput, message: `Fleet update already ${line.result}` };
  }
  if (line?.result === 'updating' && line.commandId && line.instanceId && line.fromVersion && line.startedAt) {
    const { instanceId, commandId, fromVersion, startedAt } = line;
    return { output: { outcome: 'started', instanceId, commandId, fromVersion, startedAt } as StartOutput, message: `Update ${commandId} already sent` };
  }
  if (budgetSpent(update)) return skip(`Error budget spent: ${Math.max(update.failing ?? 0, update.failed ?? 0)} failed, more than the ${update.maxFailures} allowed`);

  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) return skip('No such customer');
  if (customer.status !== 'active') {
    const why = OWN_WORKFLOW_RUNNING.includes(customer.status) ? 'its own workflow is running' : 'only active customers are updated';
    return skip(`Status is ${customer.status}: ${why}`);
  }
  const fromVersion = customer.appVersion ?? BASELINE_APP_VERSION;
  if (fromVersion === version) return skip(`Already on version ${version}`);
  const instanceId = (await getInfrastructure(customerId))?.instanceId;
  if (!instanceId) throw new UpdateNotStartedError('No server is recorded for this customer');

  const startedAt = new Date().toISOString();
  await setCustomerInFlight(updateId, customerId, { result: 'updating', fromVersion, instanceId, startedAt });
  const commandId = await sendAppVersion(customer, instanceId, version, `StackPro fleet update ${updateId} to ${version}`);
  await setCustomerInFlight(updateId, customerId, { result: 'updating', commandId });
  return { output: { outcome: 'started', instanceId, commandId, fromVersion, startedAt } as StartOutput, message: `Updating the apps from ${fromVersion} to ${version} (command ${commandId})` };
});
