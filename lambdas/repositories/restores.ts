/** The customer's latest restore: claimed by the restore route, moved on by the RestoreCustomer workflow. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from './keys';

/** `running` until the workflow ends: `restored`, `rolled_back`, or `rollback_incomplete` (left for operators). */
export type RestoreState = 'running' | 'restored' | 'rolled_back' | 'rollback_incomplete';

export interface RestoreRecord {
  /** The RestoreCustomer execution the route started (a roll-back-only rerun carries `-rollback`). */
  readonly executionName: string;
  readonly recoveryPointId: string;
  readonly requestedAt: string;
  readonly state: RestoreState;
  readonly instanceId?: string;
  /** The root device both volumes are attached at (the launch template's `/dev/xvda`). */
  readonly device?: string;
  /** The volume the restore replaces: kept until the restored server passes its check. */
  readonly previousVolumeId?: string;
  readonly restoreJobId?: string;
  /** The volume AWS Backup made from the recovery point. */
  readonly restoredVolumeId?: string;
  /** Customer-safe: why a restore was rolled back. */
  readonly reason?: string;
  readonly endedAt?: string;
  /**
   * Every data volume the customer had before a restore replaced it: their recovery points stay the
   * customer's (AWS Backup names a point by the volume it was taken of).
   */
  readonly formerVolumeIds?: readonly string[];
}

export async function getRestore(customerId: string): Promise<RestoreRecord | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: keys.restore(customerId), ConsistentRead: true }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...record } = Item;
  return record as RestoreRecord;
}

/**
 * Claims the customer's restore for one execution: only when no restore is running, or the running one
 * was requested before `staleBefore` (older than the workflow's timeout: it cannot still run). A former
 * restore's volume history is kept. Returns false when another restore holds it.
 */
export async function claimRestore(
  customerId: string,
  claim: { executionName: string; recoveryPointId: string; requestedAt: string },
  staleBefore: string,
): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.restore(customerId),
        UpdateExpression:
          'SET #type = :type, executionName = :execution, recoveryPointId = :point, requestedAt = :at, #state = :running ' +
          'REMOVE instanceId, device, previousVolumeId, restoreJobId, restoredVolumeId, reason, endedAt',
        ConditionExpression: 'attribute_not_exists(pk) OR #state <> :running OR requestedAt < :stale',
        ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
        ExpressionAttributeValues: {
          ':type': 'restore',
          ':execution': claim.executionName,
          ':point': claim.recoveryPointId,
          ':at': claim.requestedAt,
          ':running': 'running',
          ':stale': staleBefore,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Gives a claim back when its execution could not be started (nothing ran). */
export async function releaseRestore(customerId: string, executionName: string): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.restore(customerId),
        UpdateExpression: 'SET #state = :released, endedAt = :now',
        ConditionExpression: 'executionName = :execution AND #state = :running',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':released': 'rolled_back', ':now': new Date().toISOString(), ':execution': executionName, ':running': 'running' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** Records what the workflow learnt (instance, volumes, job); only while a restore exists. */
export async function updateRestore(
  customerId: string,
  fields: Partial<Pick<RestoreRecord, 'instanceId' | 'device' | 'previousVolumeId' | 'restoreJobId' | 'restoredVolumeId'>>,
): Promise<void> {
  const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return;
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.restore(customerId),
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
    }),
  );
}

/**
 * Ends the restore (idempotent: the same end again changes nothing but the time). A confirmed restore adds
 * the replaced volume to `formerVolumeIds` once.
 */
export async function endRestore(customerId: string, state: Exclude<RestoreState, 'running'>, details: { reason?: string; formerVolumeId?: string } = {}): Promise<void> {
  const record = await getRestore(customerId);
  const former = record?.formerVolumeIds ?? [];
  const formerVolumeIds = details.formerVolumeId && !former.includes(details.formerVolumeId) ? [...former, details.formerVolumeId] : former;
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.restore(customerId),
      UpdateExpression: `SET #state = :state, endedAt = :now, formerVolumeIds = :former${details.reason ? ', reason = :reason' : ' REMOVE reason'}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':state': state,
        ':now': new Date().toISOString(),
        ':former': formerVolumeIds,
        ...(details.reason ? { ':reason': details.reason } : {}),
      },
    }),
  );
}
