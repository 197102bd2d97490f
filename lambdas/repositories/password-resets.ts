import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { InvalidResetTokenError, ServiceUnavailableError } from '../core/errors';
import { RESET_EMAIL_BUDGET, RESET_TOKEN_TTL_MS } from '../core/password-reset';
import type { Reservation } from '../core/usage-budget';
import { epochSeconds, keys } from './keys';
import { loginAttemptsKey } from './login-attempts';
import { cancellationCodes, withConflictRetry } from './transactions';
import { reserveUse } from './usage-windows';

/** Concurrent confirms with one token collide; retries let the winner's write land and the rest see it. */
const RESET_CONFLICT_ATTEMPTS = 10;

export interface ResetTokenRecord {
  readonly customerId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly usedAt?: number;
}

/** One more reset email for this account, or how long until it may have one. */
export function reserveResetEmail(customerId: string, now: number): Promise<Reservation> {
  return reserveUse(keys.passwordResetEmails(customerId), RESET_EMAIL_BUDGET, now);
}

/** Stores a new token by its hash; DynamoDB removes it (TTL) a while after it expires. */
export async function storeResetToken(tokenHash: string, customerId: string, now: number): Promise<void> {
  const expiresAt = now + RESET_TOKEN_TTL_MS;
  await dynamodb.send(
    new PutCommand({
      TableName: config.tableName(),
      Item: { ...keys.passwordResetToken(tokenHash), type: 'passwordResetToken', customerId, issuedAt: now, expiresAt, ttl: epochSeconds(expiresAt) + 3600 },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** A token whose email could not be sent must not linger. */
export async function deleteResetToken(tokenHash: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: keys.passwordResetToken(tokenHash) }));
}

/** The token's record when it is still usable at `now`, otherwise undefined. */
export async function findUsableResetToken(tokenHash: string, now: number): Promise<ResetTokenRecord | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.passwordResetToken(tokenHash), ConsistentRead: true }),
  );
  if (!Item || Item.usedAt !== undefined || (Item.expiresAt as number) <= now) return undefined;
  return { customerId: Item.customerId as string, issuedAt: Item.issuedAt as number, expiresAt: Item.expiresAt as number };
}

/**
 * Spends the token and sets the new password hash in ONE transaction, and lifts the login lockout with
 * them: of any number of concurrent confirms with one token exactly one succeeds. Refused (400) when the
 * token was used or expired meanwhile, or the password changed after the token was issued (an older link).
 */
export async function resetPasswordWithToken(
  tokenHash: string,
  token: ResetTokenRecord,
  normalizedEmail: string,
  passwordHash: string,
  now: number,
): Promise<void> {
  const TableName = config.tableName();
  try {
    await withConflictRetry(() =>
      dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: keys.passwordResetToken(tokenHash),
                UpdateExpression: 'SET usedAt = :now',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now',
                ExpressionAttributeValues: { ':now': now },
              },
            },
            {
              Update: {
                TableName,
                Key: keys.credentials(normalizedEmail),
                UpdateExpression: 'SET passwordHash = :hash, passwordChangedAt = :now',
                ConditionExpression: 'customerId = :id AND (attribute_not_exists(passwordChangedAt) OR passwordChangedAt < :issuedAt)',
                ExpressionAttributeValues: { ':hash': passwordHash, ':now': now, ':id': token.customerId, ':issuedAt': token.issuedAt },
              },
            },
            { Delete: { TableName, Key: loginAttemptsKey(normalizedEmail) } },
          ],
        }),
      ),
      RESET_CONFLICT_ATTEMPTS,
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.includes('ConditionalCheckFailed')) throw new InvalidResetTokenError();
    // Still colliding with other confirms after every retry: nothing was written, the client may retry.
    if (codes?.includes('TransactionConflict')) throw new ServiceUnavailableError(1);
    throw error;
  }
}
