import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, type Change, type ResourceRecordSet, type RRType } from '@aws-sdk/client-route-53';
import { route53 } from '../clients/route53';
import { config } from '../config';

export interface DnsRecord {
  readonly name: string;
  readonly type: RRType;
  readonly values: readonly string[];
  readonly ttl: number;
}

/** The three CNAMEs that let SES sign the customer's mail with Easy DKIM. */
export function dkimRecords(subdomain: string, tokens: readonly string[]): DnsRecord[] {
  return tokens.map((token) => ({
    name: `${token}._domainkey.${subdomain}`,
    type: 'CNAME',
    values: [`${token}.dkim.amazonses.com`],
    ttl: 1800,
  }));
}

/** UPSERT is idempotent: a retried step writes the same records again and gets a change id back. */
export async function upsertRecords(records: readonly DnsRecord[], comment: string): Promise<string> {
  const changes: Change[] = records.map((record) => ({
    Action: 'UPSERT',
    ResourceRecordSet: {
      Name: record.name,
      Type: record.type,
      TTL: record.ttl,
      ResourceRecords: record.values.map((Value) => ({ Value })),
    },
  }));
  const result = await route53.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: config.hostedZoneId(), ChangeBatch: { Comment: comment, Changes: changes } }),
  );
  return result.ChangeInfo?.Id ?? '';
}

/** Route 53 names are absolute with a trailing dot; ours are written without. */
export const bareName = (name: string): string => name.replace(/\.$/, '').toLowerCase();

/** Which records to delete: one type at exactly `name`, or (no `type`) every record at or under `name`. */
export interface RecordSelector {
  readonly name: string;
  readonly type?: RRType;
}

/**
 * Deletes the selected records, read from the zone first so each DELETE names their exact current values.
 * Nothing there deletes nothing: a retried step is idempotent. Returns what was deleted.
 */
export async function deleteRecords(selector: RecordSelector, comment: string): Promise<ResourceRecordSet[]> {
  const target = selector.name.toLowerCase();
  const wanted = (record: ResourceRecordSet): boolean => {
    const name = bareName(record.Name ?? '');
    return selector.type ? record.Type === selector.type && name === target : name === target || name.endsWith(`.${target}`);
  };
  const doomed: ResourceRecordSet[] = [];
  // Route 53 lists in reversed-label order (com.example.acme._domainkey...), so everything at or under
  // the name comes in one run starting at it: stop at the first record past it. One type needs one item.
  let start: { name?: string; type?: RRType } = { name: target, type: selector.type };
  listing: for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: config.hostedZoneId(),
        StartRecordName: start.name,
        StartRecordType: start.type,
        ...(selector.type ? { MaxItems: 1 } : {}),
      }),
    );
    for (const record of page.ResourceRecordSets ?? []) {
      if (!wanted(record)) break listing;
      doomed.push(record);
    }
    if (selector.type || !page.IsTruncated) break;
    start = { name: page.NextRecordName, type: page.NextRecordType };
  }
  if (doomed.length > 0) {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: config.hostedZoneId(),
        ChangeBatch: { Comment: comment, Changes: doomed.map((ResourceRecordSet) => ({ Action: 'DELETE', ResourceRecordSet })) },
      }),
    );
  }
  return doomed;
}
