import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from '../repositories/keys';
import type { NoticeKind } from './templates';

/**
 * The record of a notice: `CUSTOMER#<id>` / `NOTICE#<kind>#<dedupeKey>`, in the customer's partition (a
 * Query on `begins_with(sk, "NOTICE#")` lists what a customer was told). Kept without a TTL: it is the
 * record of what we told the customer.
 */
export function noticeKey(customerId: string, kind: NoticeKind, dedupeKey: string) {
  return { pk: keys.customer(customerId).pk, sk: `NOTICE#${kind}#${dedupeKey}` };
}

/** A `sending` claim older than this is taken to be from a crashed invocation and may be taken over. */
const STALE_CLAIM_MS = 5 * 60 * 1000;

/**
 * Claims the right to send a notice, before sending it: of any number of concurrent or repeated
 * attempts (duplicate webhooks, distinct events about the same thing, retried steps) exactly one gets
 * true. Sent notices are never claimed again; a claim abandoned by a crash is, after a few minutes.
 */
export async function claimNotice(customerId: string, kind: NoticeKind, dedupeKey: string, now = Date.now()): Promise<boolean> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: config.tableName(),
        Item: { ...noticeKey(customerId, kind, dedupeKey), type: 'notice', kind, dedupeKey, state: 'sending', claimedAt: now },
        ConditionExpression: 'attribute_not_exists(pk) OR (#state = :sending AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sending': 'sending', ':stale': now - STALE_CLAIM_MS },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function markNoticeSent(customerId: string, kind: NoticeKind, dedupeKey: string, messageId: string | undefined): Promise<void> {
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: noticeKey(customerId, kind, dedupeKey),
      UpdateExpression: `SET #state = :sent, sentAt = :now${messageId ? ', messageId = :messageId' : ''}`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':sent': 'sent', ':now': new Date().toISOString(), ...(messageId ? { ':messageId': messageId } : {}) },
    }),
  );
}

/** Sending failed: give the claim back so a retry (or Stripe's redelivery) can send it. */
export async function releaseNotice(customerId: string, kind: NoticeKind, dedupeKey: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: noticeKey(customerId, kind, dedupeKey) }));
}
