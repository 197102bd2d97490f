import { BatchWriteCommand, DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Channel } from '../messaging/model';
import { messagingKeys } from './messaging-keys';
import { MESSAGING_TABLE_DESIGN } from './messaging-table-design';

/**
 * A released customer's messaging history is kept for a retention period, then deleted by the daily job
 * (lambdas/messaging/expire-messaging-history.ts). Each release writes a marker in one partition
 * (`HISTORY_EXPIRY` / `<dueAt>#<customerId>`), so the job finds what is due with one Query, sorted by due
 * time: nothing scans the table. A marker stays until the customer's history is gone, so an interrupted
 * run resumes where it stopped.
 */
const MARKERS = 'HISTORY_EXPIRY';

export interface HistoryExpiry {
  readonly customerId: string;
  readonly dueAt: string;
  /** The marker's sort key, to drop it. */
  readonly sk: string;
}

/** Schedules the deletion of the customer's history at `dueAt` (a repeated release adds a marker: harmless, the job is idempotent). */
export async function scheduleHistoryExpiry(customerId: string, dueAt: Date): Promise<void> {
  const due = dueAt.toISOString();
  await dynamodb.send(new PutCommand({ TableName: config.messagingTableName(), Item: { pk: MARKERS, sk: `${due}#${customerId}`, customerId, dueAt: due } }));
}

/** Markers due at `now`, oldest first, at most `limit`. */
export async function dueHistoryExpiries(now: Date, limit: number): Promise<HistoryExpiry[]> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: config.messagingTableName(),
      KeyConditionExpression: 'pk = :pk AND sk <= :now',
      // `~` sorts after every customer id, so a marker due exactly now is included.
      ExpressionAttributeValues: { ':pk': MARKERS, ':now': `${now.toISOString()}#~` },
      Limit: limit,
    }),
  );
  return Items.map((item) => ({ customerId: item.customerId as string, dueAt: item.dueAt as string, sk: item.sk as string }));
}

export async function dropHistoryExpiry(marker: HistoryExpiry): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.messagingTableName(), Key: { pk: MARKERS, sk: marker.sk } }));
}

type Key = { pk: string; sk: string };

/** BatchWriteItem deletes, 25 at a time, sending back what DynamoDB left unprocessed (throttling) until it is done. */
async function deleteKeys(keys: readonly Key[]): Promise<void> {
  const TableName = config.messagingTableName();
  for (let start = 0; start < keys.length; start += 25) {
    let requests = keys.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= 8) throw new Error('DynamoDB left deletes unprocessed after 8 attempts');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
      const { UnprocessedItems } = await dynamodb.send(new BatchWriteCommand({ RequestItems: { [TableName]: requests } }));
      requests = (UnprocessedItems?.[TableName] ?? []) as typeof requests;
    }
  }
}

/**
 * Deletes up to about `budget` items of the customer's history: conversations found through their index
 * (one Query), each conversation's messages and their provider-id records, the conversation item last (so a
 * run cut short finds it again). Answers true once nothing is left. Safe to repeat and to run twice at once.
 */
export async function deleteHistoryPage(customerId: string, budget = 500): Promise<boolean> {
  const TableName = config.messagingTableName();
  const index = MESSAGING_TABLE_DESIGN.conversationIndexes.all;
  const { Items: conversations = [] } = await dynamodb.send(
    new QueryCommand({
      TableName,
      IndexName: index.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` },
      ProjectionExpression: 'conversationId',
      Limit: 10,
    }),
  );
  let spent = 0;
  for (const { conversationId } of conversations as { conversationId: string }[]) {
    const partition = messagingKeys.conversationPartition(customerId, conversationId);
    for (;;) {
      const { Items = [] } = await dynamodb.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
          ExpressionAttributeValues: { ':pk': partition, ':msg': 'MSG#' },
          ProjectionExpression: 'pk, sk, channel, providerMessageId',
          Limit: 100,
        }),
      );
      if (Items.length === 0) break;
      const keys: Key[] = Items.flatMap((item) => [
        { pk: item.pk as string, sk: item.sk as string },
        ...(typeof item.providerMessageId === 'string' ? [messagingKeys.providerMessage(customerId, item.channel as Channel, item.providerMessageId)] : []),
      ]);
      await deleteKeys(keys);
      spent += keys.length;
      if (spent >= budget) return false;
    }
    await deleteKeys([messagingKeys.conversation(customerId, conversationId)]);
    spent += 1;
    if (spent >= budget) return false;
  }
  return conversations.length === 0;
}
