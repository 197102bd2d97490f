import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { epochSeconds, keys } from './keys';
import { TABLE_DESIGN } from './table-design';
import { cancellationCodes, withConflictRetry } from './transactions';

/**
 * Email verification tokens (`VERIFY#<sha256>`) and the account changes verification makes. A token is
 * kept (marked used) until it expires, so a second click on the same link can be answered with the
 * account's current status; DynamoDB's TTL removes it an hour after it expired.
 */
export const PENDING_INDEX_PK = 'PENDING';

/** A token as the profile lists it, so the clean-up can remove the live ones with the account. */
export interface VerificationTokenRef {
  readonly hash: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface VerificationTokenRecord {
  readonly customerId: string;
  readonly expiresAt: number;
  readonly usedAt?: number;
}

/** The Put of a new token (also inside the signup transaction). */
export function verificationTokenPut(TableName: string, customerId: string, token: VerificationTokenRef) {
  return {
    Put: {
      TableName,
      Item: {
        ...keys.verificationToken(token.hash),
        type: 'verificationToken',
        customerId,
        expiresAt: token.expiresAt,
        ttl: epochSeconds(token.expiresAt) + 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export async function getVerificationToken(tokenHash: string): Promise<VerificationTokenRecord | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.verificationToken(tokenHash), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return { customerId: Item.customerId as string, expiresAt: Item.expiresAt as number, usedAt: Item.usedAt as number | undefined };
}

const slugOf = (customer: Pick<Customer, 'subdomain'>) => customer.subdomain.split('.')[0];

/**
 * Verifies the account with one token, in ONE transaction: the token is spent, the profile moves from
 * `pending_verification` to `provisioning` with its trial, and the email, subdomain and pending index stop
 * marking the account as abandonable. Of any number of concurrent clicks exactly one gets true; the others
 * (and a token already used, expired or of an abandoned account) get false.
 */
export async function markVerified(customer: Customer, tokenHash: string, now: number, trialEndsAt: string): Promise<boolean> {
  const TableName = config.tableName();
  const ownedBy = { ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': customer.customerId } };
  try {
    await withConflictRetry(() =>
      dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: keys.verificationToken(tokenHash),
                UpdateExpression: 'SET usedAt = :now',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now AND customerId = :id',
                ExpressionAttributeValues: { ':now': now, ':id': customer.customerId },
              },
            },
            {
              Update: {
                TableName,
                Key: keys.customer(customer.customerId),
                UpdateExpression:
                  'SET #status = :provisioning, trialEndsAt = :trialEndsAt, verifiedAt = :verifiedAt, statusChangedAt = :verifiedAt ' +
                  'REMOVE #indexPk, pendingExpiresAt',
                ConditionExpression: '#status = :pending AND pendingExpiresAt > :now',
                ExpressionAttributeNames: { '#status': 'status', '#indexPk': TABLE_DESIGN.pendingVerificationIndex.partitionKey },
                ExpressionAttributeValues: {
                  ':provisioning': 'provisioning',
                  ':pending': 'pending_verification',
                  ':trialEndsAt': trialEndsAt,
                  ':verifiedAt': new Date(now).toISOString(),
                  ':now': now,
                },
              },
            },
            { Update: { TableName, Key: keys.credentials(customer.email), UpdateExpression: 'REMOVE pendingExpiresAt', ...ownedBy } },
            { Update: { TableName, Key: keys.slug(slugOf(customer)), UpdateExpression: 'REMOVE pendingExpiresAt', ...ownedBy } },
          ],
        }),
      ),
    );
    return true;
  } catch (error) {
    // A condition failed, or other clicks kept conflicting: either way this click did not verify.
    const codes = cancellationCodes(error);
    if (codes?.includes('ConditionalCheckFailed') || codes?.includes('TransactionConflict')) return false;
    throw error;
  }
}

/**
 * Undoes markVerified when provisioning could not be started, so nothing is left half-done and the same
 * link works again: the token is unspent, the account pending again with its old expiry, no trial.
 */
export async function undoVerification(customer: Customer, tokenHash: string, verifiedAtMs: number): Promise<void> {
  const TableName = config.tableName();
  const pendingExpiresAt = customer.pendingExpiresAt ?? verifiedAtMs;
  const ownedBy = {
    UpdateExpression: 'SET pendingExpiresAt = :expires',
    ConditionExpression: 'customerId = :id',
    ExpressionAttributeValues: { ':id': customer.customerId, ':expires': pendingExpiresAt },
  };
  await withConflictRetry(() =>
    dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.verificationToken(tokenHash),
              UpdateExpression: 'REMOVE usedAt',
              ConditionExpression: 'usedAt = :now',
              ExpressionAttributeValues: { ':now': verifiedAtMs },
            },
          },
          {
            Update: {
              TableName,
              Key: keys.customer(customer.customerId),
              UpdateExpression: 'SET #status = :pending, #indexPk = :indexPk, pendingExpiresAt = :expires REMOVE trialEndsAt, verifiedAt',
              ConditionExpression: '#status = :provisioning AND verifiedAt = :verifiedAt',
              ExpressionAttributeNames: { '#status': 'status', '#indexPk': TABLE_DESIGN.pendingVerificationIndex.partitionKey },
              ExpressionAttributeValues: {
                ':pending': 'pending_verification',
                ':provisioning': 'provisioning',
                ':indexPk': PENDING_INDEX_PK,
                ':expires': pendingExpiresAt,
                ':verifiedAt': new Date(verifiedAtMs).toISOString(),
              },
            },
          },
          { Update: { TableName, Key: keys.credentials(customer.email), ...ownedBy } },
          { Update: { TableName, Key: keys.slug(slugOf(customer)), ...ownedBy } },
        ],
      }),
    ),
  );
}

/** Remembers that the signup's provisioning execution was started (a crash before this is healed on a later click). */
export async function markProvisioningStarted(customerId: string, now: number): Promise<void> {
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET provisioningStartedAt = if_not_exists(provisioningStartedAt, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
    }),
  );
}

export interface ResendRecord {
  /** The profile's `verificationVersion` as read: the write succeeds only if nobody changed it since. */
  readonly version: number | undefined;
  /** Resend times (epoch ms) inside the limit's window, this one included. */
  readonly resentAt: readonly number[];
  /** The account's live tokens, the new one included. */
  readonly tokens: readonly VerificationTokenRef[];
  readonly token: VerificationTokenRef;
}

/**
 * Records a resend and its new token in one transaction, as a compare-and-set on the profile's version,
 * so concurrent resends cannot together pass the limit: false means someone else changed the account
 * first (read it again and decide again) or it is no longer pending.
 */
export async function recordResend(customerId: string, record: ResendRecord): Promise<boolean> {
  const TableName = config.tableName();
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.customer(customerId),
              UpdateExpression: 'SET verificationResentAt = :resentAt, verificationTokens = :tokens, verificationVersion = :next',
              ConditionExpression:
                '#status = :pending AND ' + (record.version === undefined ? 'attribute_not_exists(verificationVersion)' : 'verificationVersion = :version'),
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':pending': 'pending_verification',
                ':resentAt': record.resentAt,
                ':tokens': record.tokens,
                ':next': (record.version ?? 0) + 1,
                ...(record.version === undefined ? {} : { ':version': record.version }),
              },
            },
          },
          verificationTokenPut(TableName, customerId, record.token),
        ],
      }),
    );
    return true;
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.includes('ConditionalCheckFailed') || codes?.includes('TransactionConflict')) return false;
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** A token that was never delivered (SES refused the email) is of no use to anyone. */
export async function deleteVerificationToken(tokenHash: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: keys.verificationToken(tokenHash) }));
}
