import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { LOCAL_TABLE_NAME } from '../../../local/local-env';

/**
 * Item kinds the fuzz run may legitimately change: a failed login counts against its email (the lockout),
 * a verified Stripe event is recorded once whatever its outcome (so a redelivery is a duplicate; an id-less
 * one under a hash of its body, `stripeIgnored`), and
 * `POST /auth/logout-all`, which the suite sends with customer A's real token, really ends A's sessions
 * (their index entries go; A's access token works until it expires). Every other kind (accounts,
 * credentials, slugs, provisioning) must not change.
 */
export const KINDS_A_REFUSAL_MAY_WRITE: ReadonlySet<string> = new Set(['LOGINATTEMPTS', 'STRIPEEVENT', 'stripeIgnored', 'session']);

export interface StackState {
  /** Item count per kind: the `type` attribute, else the key prefixes (`LOGINATTEMPTS`, `CUSTOMER/PROVSTEP`). */
  readonly kinds: Record<string, number>;
  /** `GET /_sandbox/inventory?all=true` on the edge: instances, records, identities, commands, snapshots. */
  readonly inventory: unknown;
}

/** Counts the table's items by kind (a full Scan of DynamoDB Local) and reads the sandbox inventory. */
export async function readState(dynamoDbUrl: string, edgeUrl: string): Promise<StackState> {
  const client = new DynamoDBClient({ endpoint: dynamoDbUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const kinds: Record<string, number> = {};
    const pages = paginateScan({ client }, { TableName: LOCAL_TABLE_NAME, ProjectionExpression: 'pk, sk, #type', ExpressionAttributeNames: { '#type': 'type' } });
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const kind = item.type?.S ?? prefixKind(item.pk?.S, item.sk?.S);
        kinds[kind] = (kinds[kind] ?? 0) + 1;
      }
    }
    const res = await fetch(`${edgeUrl}/_sandbox/inventory?all=true`);
    if (res.status !== 200) throw new Error(`GET /_sandbox/inventory answered ${res.status}`);
    return { kinds, inventory: await res.json() };
  } finally {
    client.destroy();
  }
}

function prefixKind(pk = '', sk = ''): string {
  const pkKind = pk.split('#')[0];
  const skKind = sk.split('#')[0];
  return pkKind === skKind ? pkKind : `${pkKind}/${skKind}`;
}

/** The kinds whose counts must stay as they were, keyed by kind: `{before, after}` where they differ. */
export function changedKinds(before: StackState, after: StackState): Record<string, { before: number; after: number }> {
  const changed: Record<string, { before: number; after: number }> = {};
  for (const kind of new Set([...Object.keys(before.kinds), ...Object.keys(after.kinds)])) {
    if (KINDS_A_REFUSAL_MAY_WRITE.has(kind)) continue;
    const counts = { before: before.kinds[kind] ?? 0, after: after.kinds[kind] ?? 0 };
    if (counts.before !== counts.after) changed[kind] = counts;
  }
  return changed;
}
