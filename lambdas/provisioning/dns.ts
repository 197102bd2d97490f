import { ChangeResourceRecordSetsCommand, type Change, type RRType } from '@aws-sdk/client-route-53';
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
