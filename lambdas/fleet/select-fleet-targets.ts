import type { CustomerStatus } from '../core/customer';
import { MAX_FLEET_TARGETS } from '../core/fleet-limits';
import { getCustomer } from '../repositories/accounts';
import { queryCustomersByStatus, type PageKey } from '../repositories/customer-directory';
import { addPendingCustomers, finishCustomer, getFleetUpdate, setFleetUpdate } from '../repositories/fleet-updates';
import { FleetStepContext, fleetWideStep } from '../workflows/step-kit';

/** Only a running, paid-up server is updated; every other status is never touched. */
const TARGET_STATUS: CustomerStatus = 'active';

export class TooManyTargetsError extends Error {
  override readonly name = 'TooManyTargetsError';
}

/** Every active customer (of one plan), by Queries of the CustomersByStatus index, never a Scan. */
async function activeCustomers(plan?: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: PageKey | undefined;
  do {
    const page = await queryCustomersByStatus(TARGET_STATUS, { limit: 500, plan: plan as never, startKey });
    ids.push(...page.items.map((item) => item.customerId));
    startKey = page.nextKey;
  } while (startKey);
  return ids;
}

/**
 * "Select customers": who this update rolls to, written into its report as `pending`. A listed customer
 * that is not active (suspended, mid-resume, cancelled, unknown) is in the report as skipped, with its
 * status as the reason, and is never touched. Above MAX_FLEET_TARGETS the update fails before touching
 * anyone: the execution history of one inline Map holds about that many customers (README "Fleet update").
 */
export const handler = fleetWideStep(FleetStepContext, async ({ updateId }) => {
  const update = await getFleetUpdate(updateId);
  if (!update) throw new Error(`Fleet update ${updateId} is not stored`);
  const { target } = update;
  let selected: string[];
  const notActive: { customerId: string; reason: string }[] = [];
  if ('customerIds' in target) {
    selected = [];
    for (const customerId of target.customerIds) {
      const customer = await getCustomer(customerId, { consistent: true });
      if (customer?.status === TARGET_STATUS) selected.push(customerId);
      else notActive.push({ customerId, reason: customer ? `Status is ${customer.status}: only active customers are updated` : 'No such customer' });
    }
  } else {
    selected = await activeCustomers('plan' in target ? target.plan : undefined);
  }
  const total = selected.length + notActive.length;
  if (total > MAX_FLEET_TARGETS) {
    throw new TooManyTargetsError(`${total} customers selected; one update takes at most ${MAX_FLEET_TARGETS}: split it by plan or by list`);
  }
  await addPendingCustomers(update, [...selected, ...notActive.map((entry) => entry.customerId)]);
  const now = new Date().toISOString();
  for (const { customerId, reason } of notActive) await finishCustomer(updateId, customerId, { result: 'skipped', reason, finishedAt: now });
  await setFleetUpdate(updateId, { total, startedAt: update.startedAt ?? now });
  return { customerIds: selected, total };
});
