import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from './keys';

/** A live customer whose email domain (its subdomain identity) SES has not verified yet. */
export interface EmailVerificationMarker {
  readonly customerId: string;
  /** The SES identity: the customer's subdomain. */
  readonly identity: string;
  /** When activation found it unverified (ISO-8601): the sweep gives up 72 hours later. */
  readonly startedAt: string;
}

/**
 * Notes that the customer's email domain awaits DKIM verification (README "Data model", `EMAILVERIFY`).
 * Idempotent: a retried activation keeps the first marker and its start time.
 */
export async function putEmailVerificationMarker(marker: EmailVerificationMarker): Promise<void> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: config.tableName(),
        Item: { ...keys.emailVerification(marker.customerId), type: 'emailVerification', ...marker },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** Every pending marker, a page at a time: a Query on one partition, never a Scan. */
export async function* pendingEmailVerifications(): AsyncGenerator<EmailVerificationMarker> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.emailVerificationPartition },
        ExclusiveStartKey,
        Limit: 100,
      }),
    );
    for (const item of page.Items ?? []) {
      yield { customerId: String(item.customerId), identity: String(item.identity), startedAt: String(item.startedAt) };
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

export async function deleteEmailVerificationMarker(customerId: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: keys.emailVerification(customerId) }));
}

/**
 * Marks the email service `running`, only while it is still `pending_verification` (a customer suspended or
 * deprovisioned meanwhile keeps its state). False when the condition did not hold. Safe to repeat.
 */
export async function markEmailRunning(customerId: string, at: string): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.infrastructure(customerId),
        UpdateExpression: 'SET services.email = :running, updatedAt = :at',
        ConditionExpression: 'services.email = :pending',
        ExpressionAttributeValues: { ':running': 'running', ':pending': 'pending_verification', ':at': at },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
