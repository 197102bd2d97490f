import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { InvalidRefreshTokenError } from '../core/errors';
import { hashRefreshToken, newRefreshToken } from '../core/tokens';
import { epochSeconds, keys } from './keys';
import { cancellationCodes } from './transactions';

/**
 * Refresh-token sessions. A login starts a token family; each refresh spends the presented token and
 * issues the next one in the same family. A spent token presented again means it leaked: the whole
 * family is revoked, so neither the thief nor the victim can refresh with it any more.
 */
export interface NewSession {
  readonly familyId: string;
  readonly refreshToken: string;
  readonly refreshTokenHash: string;
  readonly expiresAtMs: number;
}

export function newSession(now: number, familyId: string = randomUUID()): NewSession {
  const refreshToken = newRefreshToken();
  return {
    familyId,
    refreshToken,
    refreshTokenHash: hashRefreshToken(refreshToken),
    expiresAtMs: now + config.refreshTokenTtlSeconds() * 1000,
  };
}

function tokenItem(customerId: string, session: NewSession) {
  return {
    ...keys.refreshToken(session.refreshTokenHash),
    type: 'refreshToken',
    customerId,
    familyId: session.familyId,
    expiresAt: session.expiresAtMs,
    // Spent tokens stay until they would have expired, so reuse is detected for their whole lifetime.
    ttl: epochSeconds(session.expiresAtMs) + 3600,
  };
}

/** The writes that create a new family and its first token (used inside the signup transaction too). */
export function sessionPuts(TableName: string, customerId: string, session: NewSession) {
  return [
    {
      Put: {
        TableName,
        Item: { ...keys.tokenFamily(session.familyId), type: 'tokenFamily', customerId, ttl: epochSeconds(session.expiresAtMs) + 3600 },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName, Item: tokenItem(customerId, session), ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
}

export async function startSession(customerId: string, now: number): Promise<NewSession> {
  const session = newSession(now);
  await dynamodb.send(new TransactWriteCommand({ TransactItems: sessionPuts(config.tableName(), customerId, session) }));
  return session;
}

async function revokeFamily(familyId: string, now: number): Promise<void> {
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.tokenFamily(familyId),
      UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
      ExpressionAttributeValues: { ':now': now },
    }),
  );
}

/**
 * Spends `presentedToken` and returns the next session of its family with the customer it belongs to.
 * Refuses (InvalidRefreshTokenError) unknown, expired, spent and revoked tokens; a spent one also
 * revokes its family. The spend and the new token are one transaction, so two concurrent refreshes with
 * the same token cannot both succeed.
 */
export async function rotateRefreshToken(presentedToken: string, now: number): Promise<{ customerId: string; session: NewSession }> {
  const TableName = config.tableName();
  const presentedHash = hashRefreshToken(presentedToken);
  const { Item: token } = await dynamodb.send(
    new GetCommand({ TableName, Key: keys.refreshToken(presentedHash), ConsistentRead: true }),
  );
  if (!token) throw new InvalidRefreshTokenError();
  const familyId = token.familyId as string;
  const customerId = token.customerId as string;
  if (token.spentAt !== undefined) {
    await revokeFamily(familyId, now);
    throw new InvalidRefreshTokenError();
  }
  if ((token.expiresAt as number) <= now) throw new InvalidRefreshTokenError();

  const next = newSession(now, familyId);
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.refreshToken(presentedHash),
              UpdateExpression: 'SET spentAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(spentAt)',
              ExpressionAttributeValues: { ':now': now },
            },
          },
          {
            Update: {
              TableName,
              Key: keys.tokenFamily(familyId),
              UpdateExpression: 'SET #ttl = :ttl',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':ttl': epochSeconds(next.expiresAtMs) + 3600 },
            },
          },
          { Put: { TableName, Item: tokenItem(customerId, next), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (!codes) throw error;
    // Someone spent this token between our read and our write: that is reuse too.
    if (codes[0] === 'ConditionalCheckFailed' || codes[0] === 'TransactionConflict') await revokeFamily(familyId, now);
    throw new InvalidRefreshTokenError();
  }
  return { customerId, session: next };
}
