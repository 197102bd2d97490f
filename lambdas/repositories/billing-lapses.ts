import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from './keys';

/** One account suspended for billing, as the retention sweep finds it. */
export interface LapseMarker {
  readonly customerId: string;
  readonly suspendedAt: string;
}

/**
 * Notes that an account was suspended at `suspendedAt` (README "Data model", `BILLINGLAPSE`). Written before
 * the status changes, so no suspension is ever missing one; a marker whose suspension did not happen (or was
 * undone) is dropped by the sweep when it comes due.
 */
export async function putLapseMarker(customerId: string, suspendedAt: string): Promise<void> {
  await dynamodb.send(
    new PutCommand({ TableName: config.tableName(), Item: { ...keys.billingLapse(suspendedAt, customerId), type: 'billingLapse', customerId, suspendedAt } }),
  );
}

/** Markers of suspensions before `cutoff` (ISO-8601), oldest first, a page at a time: a Query, never a Scan. */
export async function* lapseMarkersBefore(cutoff: string): AsyncGenerator<LapseMarker> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.tableName(),
        KeyConditionExpression: 'pk = :pk AND sk < :cutoff',
        ExpressionAttributeValues: { ':pk': keys.billingLapsePartition, ':cutoff': cutoff },
        ExclusiveStartKey,
        Limit: 100,
      }),
    );
    for (const item of page.Items ?? []) yield { customerId: String(item.customerId), suspendedAt: String(item.suspendedAt) };
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

export async function deleteLapseMarker(marker: LapseMarker): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: keys.billingLapse(marker.suspendedAt, marker.customerId) }));
}

/**
 * Records on the profile that the sweep is deprovisioning this suspension, only if the account is still
 * suspended since `suspendedAt` (so a resume in between wins). The webhook reads it: the Stripe cancellation
 * the sweep causes then asks for the same immediate deprovisioning, not a second retention period.
 */
export async function markLapseSwept(marker: LapseMarker, sweptAt: string): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(marker.customerId),
        UpdateExpression: 'SET lapseSweptAt = :at',
        ConditionExpression: '#status = :suspended AND suspendedAt = :since',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':at': sweptAt, ':suspended': 'suspended', ':since': marker.suspendedAt },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
