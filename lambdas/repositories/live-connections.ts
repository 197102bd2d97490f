import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { LiveIdentity } from '../messaging/live/live-tokens';

/**
 * API Gateway closes a WebSocket connection after 2 hours at most; a record lives a little longer, so a
 * connection whose `$disconnect` never ran (a crash) leaves nothing behind for long. The fan-out also skips
 * records past their TTL, as DynamoDB deletes expired items lazily.
 */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60 + 10 * 60;

/** A live connection: its API Gateway id and who it speaks for. */
export type LiveConnection = LiveIdentity & { readonly connectionId: string; readonly expiresAt: number };

/** All of a customer's connections in one partition: the fan-out reads one Query per customer, never another's. */
export const connectionKeys = {
  partition: (customerId: string) => `CUSTOMER#${customerId}#LIVE`,
  connection: (customerId: string, connectionId: string) => ({ pk: connectionKeys.partition(customerId), sk: `CONN#${connectionId}` }),
};

/** Records a connection (a `$connect` retried by API Gateway writes the same item again: harmless). */
export async function putConnection(connectionId: string, identity: LiveIdentity, nowMs = Date.now()): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: config.messagingTableName(),
      Item: {
        ...connectionKeys.connection(identity.customerId, connectionId),
        type: 'connection',
        connectionId,
        customerId: identity.customerId,
        kind: identity.kind,
        ...(identity.kind === 'visitor' ? { visitorId: identity.visitorId, conversationId: identity.conversationId } : {}),
        connectedAt: new Date(nowMs).toISOString(),
        ttl: Math.floor(nowMs / 1000) + CONNECTION_TTL_SECONDS,
      },
    }),
  );
}

/** Forgets a connection ($disconnect, or a post that answered 410); deleting one already gone is fine. */
export async function deleteConnection(customerId: string, connectionId: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.messagingTableName(), Key: connectionKeys.connection(customerId, connectionId) }));
}

/** The customer's live connections (every page), leaving out records past their TTL. */
export async function listConnections(customerId: string, nowMs = Date.now()): Promise<LiveConnection[]> {
  const connections: LiveConnection[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.messagingTableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': connectionKeys.partition(customerId) },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const connection = toConnection(item);
      if (connection && connection.expiresAt * 1000 > nowMs) connections.push(connection);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return connections;
}

function toConnection(item: Record<string, unknown>): LiveConnection | undefined {
  const { connectionId, customerId, kind, ttl } = item as { connectionId?: string; customerId?: string; kind?: string; ttl?: number };
  if (typeof connectionId !== 'string' || typeof customerId !== 'string' || typeof ttl !== 'number') return undefined;
  if (kind === 'staff') return { kind, customerId, connectionId, expiresAt: ttl };
  if (kind === 'visitor' && typeof item.visitorId === 'string' && typeof item.conversationId === 'string') {
    return { kind, customerId, connectionId, expiresAt: ttl, visitorId: item.visitorId, conversationId: item.conversationId };
  }
  return undefined;
}
