import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { BillingSnapshot } from '../core/billing';
import type { CustomerStatus } from '../core/customer';
import { epochSeconds, keys } from './keys';

export type { BillingSnapshot };

/** Stores the snapshot unless a newer one is already stored (webhooks race and arrive out of order). */
export async function saveBillingSnapshot(customerId: string, billing: BillingSnapshot): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET billing = :billing',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(billing) OR billing.observedAt <= :observedAt)',
        ExpressionAttributeValues: { ':billing': billing, ':observedAt': billing.observedAt },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Moves the account's status only from one of `from`, so concurrent or repeated events cannot start
 * two suspensions or undo a cancellation. Returns whether it moved.
 */
export async function transitionStatus(customerId: string, from: readonly CustomerStatus[], to: CustomerStatus): Promise<boolean> {
  const values = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET #status = :to, statusChangedAt = :now',
        ConditionExpression: `attribute_exists(pk) AND #status IN (${Object.keys(values).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':to': to, ':now': new Date().toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Records a signed delivery we could not use (README "Stripe webhooks"), by the hash of its body: kept
 * 30 days for support, like event records. Overwriting the same body's record is harmless.
 */
export async function recordIgnoredDelivery(bodyHash: string, reason: string, now: number): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: config.tableName(),
      Item: { ...keys.ignoredStripeDelivery(bodyHash), type: 'stripeIgnored', reason, receivedAt: new Date(now).toISOString(), ttl: epochSeconds(now) + 30 * 24 * 3600 },
    }),
  );
}
