import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from '../repositories/keys';
import type { NoticeKind } from './templates';

/**
 * The record that a notice went out: `CUSTOMER#<id>` / `NOTICE#<kind>#<dedupeKey>`, in the customer's
 * partition (GetItem by key; a Query on `begins_with(sk, "NOTICE#")` lists what a customer was told).
 * Kept without a TTL: it is the record of what we told the customer.
 */
export function noticeKey(customerId: string, kind: NoticeKind, dedupeKey: string) {
  return { pk: keys.customer(customerId).pk, sk: `NOTICE#${kind}#${dedupeKey}` };
}

export async function noticeSent(customerId: string, kind: NoticeKind, dedupeKey: string): Promise<boolean> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: noticeKey(customerId, kind, dedupeKey), ConsistentRead: true }),
  );
  return Item !== undefined;
}

/** Marks the notice sent; false when it was marked already (a concurrent duplicate sent it too). */
export async function markNoticeSent(customerId: string, kind: NoticeKind, dedupeKey: string, messageId: string | undefined): Promise<boolean> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: config.tableName(),
        Item: {
          ...noticeKey(customerId, kind, dedupeKey),
          type: 'notice',
          kind,
          dedupeKey,
          sentAt: new Date().toISOString(),
          ...(messageId ? { messageId } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
