import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { InvalidCredentialsError, InvalidRefreshTokenError } from '../core/errors';
import { hashRefreshToken, newRefreshToken } from '../core/tokens';
import { epochSeconds, keys } from './keys';
import { cancellationCodes } from './transactions';

/**
 * Refresh-token sessions. A login starts a token family; each refresh spends the presented token and
 * issues the next one in the same family. A spent token presented again means it leaked: the whole
 * family is revoked, so neither the thief nor the victim can refresh with it any more.
 *
 * Each family also has an entry in its account's partition (`SESSION#<familyId>`), so logout-all and a
 * password reset can find and revoke every session of an account with one Query; a refresh requires that
 * entry, so a session that is not indexed cannot be refreshed. A session ends MAX_SESSION_MS after its
 * login however often it is refreshed.
 */
export const MAX_SESSION_MS = 30 * 24 * 3600 * 1000;

export interface NewSession {
  readonly familyId: string;
  readonly refreshToken: string;
  readonly refreshTokenHash: string;
  /** When this refresh token expires: its own lifetime, capped by the session's. */
  readonly expiresAtMs: number;
  /** When the session (family) ends, whatever is refreshed: its login plus MAX_SESSION_MS. */
  readonly sessionExpiresAtMs: number;
}

export function newSession(now: number, familyId: string = randomUUID(), sessionExpiresAtMs = now + MAX_SESSION_MS): NewSession {
  const refreshToken = newRefreshToken();
  return {
    familyId,
    refreshToken,
    refreshTokenHash: hashRefreshToken(refreshToken),
    expiresAtMs: Math.min(now + config.refreshTokenTtlSeconds() * 1000, sessionExpiresAtMs),
    sessionExpiresAtMs,
  };
}

function tokenItem(customerId: string, session: NewSession) {
  return {
    ...keys.refreshToken(session.refreshTokenHash),
    type: 'refreshToken',
    customerId,
    familyId: session.familyId,
    expiresAt: session.expiresAtMs,
    sessionExpiresAt: session.sessionExpiresAtMs,
    // Spent tokens stay until they would have expired, so reuse is detected for their whole lifetime.
    ttl: epochSeconds(session.expiresAtMs) + 3600,
  };
}

/**
 * The writes that create a new family, its entry in the account's session index and its first token
 * (used inside the signup transaction too).
 */
export function sessionPuts(TableName: string, customerId: string, session: NewSession) {
  const ttl = epochSeconds(session.sessionExpiresAtMs) + 3600;
  return [
    {
      Put: {
        TableName,
        Item: { ...keys.tokenFamily(session.familyId), type: 'tokenFamily', customerId, sessionExpiresAt: session.sessionExpiresAtMs, ttl },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName,
        Item: {
          ...keys.session(customerId, session.familyId),
          type: 'session',
          familyId: session.familyId,
          startedAt: session.sessionExpiresAtMs - MAX_SESSION_MS,
          sessionExpiresAt: session.sessionExpiresAtMs,
          ttl,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName, Item: tokenItem(customerId, session), ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
}

/** What a login checked: the session starts only if that password hash is still the account's. */
export interface CheckedCredentials {
  readonly key: { readonly pk: string; readonly sk: string };
  readonly passwordHash: string;
}

/**
 * Starts a session after a successful login. With `checked`, the session is created only if the password
 * is still the one that was verified, so a login racing a password reset cannot outlive the reset.
 */
export async function startSession(customerId: string, now: number, checked?: CheckedCredentials): Promise<NewSession> {
  const TableName = config.tableName();
  const session = newSession(now);
  const guard = checked
    ? [
        {
          ConditionCheck: {
            TableName,
            Key: checked.key,
            ConditionExpression: 'passwordHash = :hash',
            ExpressionAttributeValues: { ':hash': checked.passwordHash },
          },
        },
      ]
    : [];
  try {
    await dynamodb.send(new TransactWriteCommand({ TransactItems: [...sessionPuts(TableName, customerId, session), ...guard] }));
  } catch (error) {
    if (checked && cancellationCodes(error)?.[3] === 'ConditionalCheckFailed') throw new InvalidCredentialsError();
    throw error;
  }
  return session;
}

/**
 * Ends one session: its index entry goes first (a refresh then fails its condition), then the family is
 * marked revoked (reuse detection reads it). Idempotent; a family that no longer exists stays gone.
 */
export async function revokeFamily(customerId: string, familyId: string, now: number): Promise<void> {
  const TableName = config.tableName();
  await dynamodb.send(new DeleteCommand({ TableName, Key: keys.session(customerId, familyId) }));
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName,
        Key: keys.tokenFamily(familyId),
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** How many sessions are revoked at once (DynamoDB writes in flight per request). */
const REVOKE_CONCURRENCY = 8;

/**
 * Ends every session of the account (logout-all, password reset): one Query of its session index, page by
 * page, never a Scan. Returns how many sessions were revoked. Access tokens already issued live out their
 * 15 minutes.
 */
export async function revokeAllSessions(customerId: string, now: number): Promise<number> {
  const TableName = config.tableName();
  let revoked = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.customer(customerId).pk, ':prefix': keys.sessionPrefix },
        ProjectionExpression: 'familyId',
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    const familyIds = (page.Items ?? []).map((item) => item.familyId as string);
    for (let i = 0; i < familyIds.length; i += REVOKE_CONCURRENCY) {
      await Promise.all(familyIds.slice(i, i + REVOKE_CONCURRENCY).map((familyId) => revokeFamily(customerId, familyId, now)));
    }
    revoked += familyIds.length;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return revoked;
}

/**
 * Logout: revokes the session the refresh token belongs to, whether or not the token is still current
 * (a spent one names its session too). An unknown token changes nothing and is not reported, so logout
 * reveals nothing about tokens.
 */
export async function endSessionOf(presentedToken: string, now: number): Promise<void> {
  const { Item: token } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.refreshToken(hashRefreshToken(presentedToken)), ConsistentRead: true }),
  );
  if (token) await revokeFamily(token.customerId as string, token.familyId as string, now);
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
    await revokeFamily(customerId, familyId, now);
    throw new InvalidRefreshTokenError();
  }
  if ((token.expiresAt as number) <= now) throw new InvalidRefreshTokenError();

  // The session's end carries over from token to token (a token from before it was recorded ends the session).
  const next = newSession(now, familyId, (token.sessionExpiresAt as number | undefined) ?? (token.expiresAt as number));
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
          // Revoked by logout, logout-all or a password reset when its index entry is gone.
          { ConditionCheck: { TableName, Key: keys.session(customerId, familyId), ConditionExpression: 'attribute_exists(pk)' } },
          { Put: { TableName, Item: tokenItem(customerId, next), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (!codes) throw error;
    // Someone spent this token between our read and our write: that is reuse too.
    if (codes[0] === 'ConditionalCheckFailed' || codes[0] === 'TransactionConflict') await revokeFamily(customerId, familyId, now);
    throw new InvalidRefreshTokenError();
  }
  return { customerId, session: next };
}
