import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Channel } from '../messaging/model';
import { messagingKeys } from './messaging-keys';

/** How long a dropped message's record is kept (then DynamoDB's TTL removes it). */
export const DROPPED_RETENTION_DAYS = 30;

/**
 * Records that an inbound message reached a customer who may not receive (suspended, cancelled, no
 * messaging): in the dedupe slot, so redeliveries stay no-ops, with the reason and no text, expiring.
 */
export async function recordDropped(customerId: string, channel: Channel, providerMessageId: string, reason: string, now = new Date()): Promise<void> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: config.messagingTableName(),
        Item: {
          ...messagingKeys.providerMessage(customerId, channel, providerMessageId),
          dropped: reason,
          droppedAt: now.toISOString(),
          ttl: Math.floor(now.getTime() / 1000) + DROPPED_RETENTION_DAYS * 24 * 3600,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
  }
}
