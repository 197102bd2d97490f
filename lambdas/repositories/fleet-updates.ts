import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { FleetTarget, FleetUpdate, FleetUpdateCustomer, FleetUpdateStatus } from '../core/fleet-updates';
import { keys } from './keys';

/** Epoch-seconds expiry of a fleet update's items: reports are kept a year, then DynamoDB removes them. */
const REPORT_TTL_SECONDS = 365 * 24 * 3600;

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, type: _type, ttl: _ttl, ...rest } = item;
  return rest as T;
}

/**
 * Stores a new fleet update, unless one with this id exists (the id is a hash of the request, so a burst of
 * the same request stores one). Answers the stored update and whether this call created it.
 */
export async function createFleetUpdate(update: FleetUpdate): Promise<{ created: boolean; update: FleetUpdate }> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: config.tableName(),
        Item: { ...keys.fleetUpdate(update.updateId), type: 'fleetUpdate', ...update, ttl: Math.floor(Date.parse(update.requestedAt) / 1000) + REPORT_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { created: true, update };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
  const stored = await getFleetUpdate(update.updateId);
  if (!stored) throw new Error(`Fleet update ${update.updateId} vanished between its write and its read`);
  return { created: false, update: stored };
}

export async function getFleetUpdate(updateId: string): Promise<FleetUpdate | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: keys.fleetUpdate(updateId), ConsistentRead: true }));
  return Item ? strip<FleetUpdate>(Item) : undefined;
}

/**
 * Sets fields of the update item (status, total, finishedAt, failureReason). With `whileStatus`, only while
 * the update still has that status (false when it no longer has): the workflow's own end and the clean-up
 * of a stopped execution may race, and the first to end the update wins.
 */
export async function setFleetUpdate(
  updateId: string,
  fields: Partial<Pick<FleetUpdate, 'status' | 'total' | 'startedAt' | 'finishedAt' | 'failureReason'>>,
  whileStatus?: FleetUpdateStatus,
): Promise<boolean> {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.fleetUpdate(updateId),
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ConditionExpression: whileStatus === undefined ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND #status = :whileStatus',
        ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])), ...(whileStatus === undefined ? {} : { '#status': 'status' }) },
        ExpressionAttributeValues: {
          ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
          ...(whileStatus === undefined ? {} : { ':whileStatus': whileStatus }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (whileStatus !== undefined && (error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Writes every selected customer as `pending` (idempotent: a retried selection writes the same items). */
export async function addPendingCustomers(update: FleetUpdate, customerIds: readonly string[]): Promise<void> {
  const ttl = Math.floor(Date.parse(update.requestedAt) / 1000) + REPORT_TTL_SECONDS;
  for (let start = 0; start < customerIds.length; start += 25) {
    let requests = customerIds.slice(start, start + 25).map((customerId) => ({
      PutRequest: {
        Item: { ...keys.fleetUpdateCustomer(update.updateId, customerId), type: 'fleetUpdateCustomer', customerId, toVersion: update.version, result: 'pending', ttl },
      },
    }));
    // Unprocessed items are DynamoDB shedding load: send them again (the step's Retry covers a real outage).
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt += 1) {
      const { UnprocessedItems } = await dynamodb.send(new BatchWriteCommand({ RequestItems: { [config.tableName()]: requests } }));
      requests = (UnprocessedItems?.[config.tableName()] ?? []) as typeof requests;
    }
    if (requests.length > 0) throw Object.assign(new Error('DynamoDB left fleet update items unprocessed'), { name: 'ProvisionedThroughputExceededException' });
  }
}

export async function getFleetUpdateCustomer(updateId: string, customerId: string): Promise<FleetUpdateCustomer | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.fleetUpdateCustomer(updateId, customerId), ConsistentRead: true }),
  );
  return Item ? strip<FleetUpdateCustomer>(Item) : undefined;
}

/** Marks a customer's update in flight (updating or rolling back), with the command sent; never over a final result. */
export async function setCustomerInFlight(
  updateId: string,
  customerId: string,
  fields: Pick<FleetUpdateCustomer, 'result'> & Partial<Pick<FleetUpdateCustomer, 'fromVersion' | 'commandId' | 'rollbackCommandId' | 'startedAt' | 'instanceId' | 'reason'>>,
): Promise<void> {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.fleetUpdateCustomer(updateId, customerId),
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND NOT (#result IN (:updated, :failed, :skipped))',
      ExpressionAttributeNames: { '#result': 'result', ...Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])) },
      ExpressionAttributeValues: { ':updated': 'updated', ':failed': 'failed', ':skipped': 'skipped', ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])) },
    }),
  );
}

/**
 * The update failed on this customer's server and its rollback starts: counted against the error budget
 * at once (`failing`), so the gate stops the next customers while this one is still being rolled back,
 * not a rollback later. Only the first call counts (the line must still be `updating`); answers whether it did.
 */
export async function startRollback(updateId: string, customerId: string, reason: string): Promise<boolean> {
  const TableName = config.tableName();
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.fleetUpdateCustomer(updateId, customerId),
              UpdateExpression: 'SET #result = :rollingBack, reason = :reason',
              ConditionExpression: '#result = :updating',
              ExpressionAttributeNames: { '#result': 'result' },
              ExpressionAttributeValues: { ':rollingBack': 'rolling_back', ':updating': 'updating', ':reason': reason },
            },
          },
          { Update: { TableName, Key: keys.fleetUpdate(updateId), UpdateExpression: 'ADD failing :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':one': 1 } } },
        ],
      }),
    );
    return true;
  } catch (error) {
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    if ((error as Error).name === 'TransactionCanceledException' && reasons[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

export type FinalResult = 'updated' | 'failed' | 'skipped';

/**
 * Records a customer's final result and counts it on the update in ONE transaction, so the counters the
 * error budget reads always match the per-customer items. A repeated call (a retried step) changes
 * nothing and answers false. `updated` also records the version on the customer's profile.
 */
export async function finishCustomer(
  updateId: string,
  customerId: string,
  final: { result: FinalResult; reason?: string; finishedAt: string; durationSeconds?: number; fromVersion?: string; rolledBack?: boolean },
  profileVersion?: string,
  /** A failure that went through no rollback is counted against the budget here (a rollback counted it when it started). */
  countsAgainstBudget = false,
): Promise<boolean> {
  const TableName = config.tableName();
  const fields = Object.entries(final).filter(([, value]) => value !== undefined);
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.fleetUpdateCustomer(updateId, customerId),
              UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
              ConditionExpression: 'attribute_exists(pk) AND NOT (#result IN (:updated, :failed, :skipped))',
              ExpressionAttributeNames: { '#result': 'result', ...Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])) },
              ExpressionAttributeValues: { ':updated': 'updated', ':failed': 'failed', ':skipped': 'skipped', ...Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])) },
            },
          },
          {
            Update: {
              TableName,
              Key: keys.fleetUpdate(updateId),
              UpdateExpression: countsAgainstBudget ? 'ADD #count :one, failing :one' : 'ADD #count :one',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#count': final.result },
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
          ...(profileVersion
            ? [
                {
                  Update: {
                    TableName,
                    Key: keys.customer(customerId),
                    UpdateExpression: 'SET appVersion = :version, appVersionAt = :at',
                    ConditionExpression: 'attribute_exists(pk)',
                    ExpressionAttributeValues: { ':version': profileVersion, ':at': final.finishedAt },
                  },
                },
              ]
            : []),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException') {
      const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
      // Only the result's own condition failing means "already recorded"; anything else is a real failure.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
    }
    throw error;
  }
}

/** The update's per-customer items, in customer id order (one Query of its partition, paged). */
export async function listFleetUpdateCustomers(updateId: string): Promise<FleetUpdateCustomer[]> {
  const items: FleetUpdateCustomer[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.fleetUpdate(updateId).pk, ':prefix': keys.fleetUpdateCustomerPrefix },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []).map((item) => strip<FleetUpdateCustomer>(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Records the version a customer runs (Deploy applications, for a new server). */
export async function recordAppVersion(customerId: string, version: string, at: string): Promise<void> {
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET appVersion = :version, appVersionAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':version': version, ':at': at },
    }),
  );
}

export type { FleetTarget, FleetUpdateStatus };
