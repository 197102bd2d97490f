import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { CustomerStatus } from '../core/customer';
import type { PlanName } from '../core/plans';
import type { CustomerUsage } from '../core/usage';
import { keys } from './keys';

/** What the usage job needs of a profile: whether the customer exists, its status and plan. */
export interface ProfileSummary {
  readonly customerId: string;
  readonly status: CustomerStatus;
  readonly plan: PlanName;
}

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
/** Unprocessed keys (throttling) are asked again this many times before the run fails. */
const BATCH_GET_ATTEMPTS = 5;

/** The profiles of these customers that exist (status and plan only), in batches of 100. */
export async function profileSummaries(customerIds: readonly string[]): Promise<ProfileSummary[]> {
  const found: ProfileSummary[] = [];
  for (let start = 0; start < customerIds.length; start += BATCH_GET_LIMIT) {
    let requested: Record<string, unknown>[] = customerIds.slice(start, start + BATCH_GET_LIMIT).map((id) => keys.customer(id));
    for (let attempt = 1; requested.length > 0; attempt += 1) {
      if (attempt > BATCH_GET_ATTEMPTS) throw new Error(`BatchGetItem left ${requested.length} profiles unprocessed`);
      const tableName = config.tableName();
      const page = await dynamodb.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: requested,
              // Aliased: STATUS and PLAN are DynamoDB reserved words.
              ProjectionExpression: '#id, #status, #plan',
              ExpressionAttributeNames: { '#id': 'customerId', '#status': 'status', '#plan': 'plan' },
            },
          },
        }),
      );
      for (const item of page.Responses?.[tableName] ?? []) {
        found.push({ customerId: String(item.customerId), status: item.status as CustomerStatus, plan: item.plan as PlanName });
      }
      requested = page.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}

/**
 * Stores the customer's usage in its partition (README "Data model", `USAGE`), where the status route's one
 * Query finds it. A measurement never replaces a newer one (two runs overlapping, a late retry): false then.
 */
export async function putUsage(customerId: string, usage: CustomerUsage): Promise<boolean> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: config.tableName(),
        Item: { ...keys.usage(customerId), type: 'usage', ...usage },
        ConditionExpression: 'attribute_not_exists(measuredAt) OR measuredAt < :measuredAt',
        ExpressionAttributeValues: { ':measuredAt': usage.measuredAt },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
