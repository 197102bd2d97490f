import { deleteRecords } from '../provisioning/dns';
import { workflowStep, StepContext } from '../workflows/step-kit';
import { assertLifecycleOwner } from './ownership';

/**
 * "Park subdomain" (suspend, after the instance stopped): deletes the subdomain's A record. A stopped
 * instance gives its public IP back to EC2, which may hand it to anyone: a record left pointing at it
 * would serve a stranger's server under the customer's name. The DKIM records stay (email identity and
 * data are kept); resume points the subdomain at the instance's new IP again. No A record is success.
 */
export const handler = workflowStep(StepContext, async ({ customerId, executionName }) => {
  const customer = await assertLifecycleOwner(customerId, executionName);
  const name = customer.subdomain.toLowerCase();
  const parked = await deleteRecords({ name, type: 'A' }, `StackPro suspend: park ${name}`);
  if (parked.length === 0) return { output: { parked: false }, message: `${name} had no A record` };
  return { output: { parked: true }, message: `${name} no longer points at the released IP` };
});
