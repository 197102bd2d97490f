import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { route53 } from '../clients/route53';
import { config } from '../config';
import { workflowStep, StepContext } from '../workflows/step-kit';
import { assertLifecycleOwner } from './ownership';

/**
 * "Park subdomain" (suspend, after the instance stopped): deletes the subdomain's A record. A stopped
 * instance gives its public IP back to EC2, which may hand it to anyone: a record left pointing at it
 * would serve a stranger's server under the customer's name. The DKIM records stay (email identity and
 * data are kept); resume points the subdomain at the instance's new IP again. No A record is success.
 */
export const handler = workflowStep('Park subdomain', StepContext, async ({ customerId, executionName }) => {
  const customer = await assertLifecycleOwner(customerId, executionName);
  const name = customer.subdomain.toLowerCase();
  const listed = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: config.hostedZoneId(), StartRecordName: name, StartRecordType: 'A', MaxItems: 1 }),
  );
  const record = listed.ResourceRecordSets?.find((r) => r.Type === 'A' && r.Name?.replace(/\.$/, '').toLowerCase() === name);
  if (!record) return { output: { parked: false }, message: `${name} had no A record` };
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: config.hostedZoneId(),
      ChangeBatch: { Comment: `StackPro suspend: park ${name}`, Changes: [{ Action: 'DELETE', ResourceRecordSet: record }] },
    }),
  );
  return { output: { parked: true }, message: `${name} no longer points at the released IP` };
});
