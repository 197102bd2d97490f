import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { z } from 'zod';
import { route53 } from '../clients/route53';
import { config } from '../config';
import { StepContext, workflowStep } from '../workflows/step-kit';

const Input = StepContext.extend({ subdomain: z.string().min(1) });

/** Route 53 names are absolute with a trailing dot; ours are written without. */
const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();

/**
 * Rollback "Remove DNS records": deletes every record at or under the customer's subdomain (the A record
 * and the DKIM CNAMEs), read from the zone so DELETE names their exact current values. Nothing there is
 * success: the step is idempotent.
 */
export const handler = workflowStep('Roll back', Input, async ({ subdomain }) => {
  const target = subdomain.toLowerCase();
  const doomed: ResourceRecordSet[] = [];
  // Route 53 lists in reversed-label order (com.example.acme._domainkey...), so everything at or under
  // the subdomain comes in one run starting at its name: stop at the first record past it.
  let start: { name?: string; type?: ResourceRecordSet['Type'] } = { name: target };
  listing: for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: config.hostedZoneId(), StartRecordName: start.name, StartRecordType: start.type }),
    );
    for (const record of page.ResourceRecordSets ?? []) {
      const name = bare(record.Name ?? '');
      if (name !== target && !name.endsWith(`.${target}`)) break listing;
      doomed.push(record);
    }
    if (!page.IsTruncated) break;
    start = { name: page.NextRecordName, type: page.NextRecordType };
  }
  if (doomed.length > 0) {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: config.hostedZoneId(),
        ChangeBatch: { Comment: `StackPro rollback for ${subdomain}`, Changes: doomed.map((ResourceRecordSet) => ({ Action: 'DELETE', ResourceRecordSet })) },
      }),
    );
  }
  return { output: { removed: doomed.map((r) => `${bare(r.Name ?? '')} ${r.Type}`) }, message: `Removed ${doomed.length} DNS records` };
});
