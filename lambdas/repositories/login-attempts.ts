import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { COOL_DOWN_MS, WINDOW_MS, shouldLock, type LoginAttempts } from '../core/login-throttle';
import { epochSeconds, keys } from './keys';

/** The counter is keyed by a hash of the email, so neither the key nor a log of it holds the address. */
const keyFor = (normalizedEmail: string) => keys.loginAttempts(createHash('sha256').update(normalizedEmail).digest('base64url'));

export async function getLoginAttempts(normalizedEmail: string): Promise<LoginAttempts | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keyFor(normalizedEmail), ConsistentRead: true }),
  );
  return Item as LoginAttempts | undefined;
}

/**
 * Counts one failed login atomically (concurrent failures all count) and locks the email once the window
 * holds too many. Returns the failures counted in the current window.
 */
export async function recordFailedLogin(normalizedEmail: string, now: number): Promise<number> {
  const TableName = config.tableName();
  const Key = keyFor(normalizedEmail);
  const ttl = epochSeconds(now + WINDOW_MS + COOL_DOWN_MS) + 60;
  let failures: number;
  try {
    // Count into the open window...
    const { Attributes } = await dynamodb.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'ADD failures :one SET #ttl = :ttl',
        ConditionExpression: 'windowStartsAt > :cutoff',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':cutoff': now - WINDOW_MS, ':ttl': ttl },
        ReturnValues: 'ALL_NEW',
      }),
    );
    failures = Attributes?.failures as number;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // ...or open a new one. Losing a race here costs at most one uncounted failure, never a lockout.
    await dynamodb.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'SET failures = :one, windowStartsAt = :now, #ttl = :ttl REMOVE lockedUntil',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':now': now, ':ttl': ttl },
      }),
    );
    failures = 1;
  }
  if (shouldLock(failures)) {
    await dynamodb.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'SET lockedUntil = if_not_exists(lockedUntil, :until)',
        ExpressionAttributeValues: { ':until': now + COOL_DOWN_MS },
      }),
    );
  }
  return failures;
}

/** A successful login forgets earlier failures. */
export async function clearLoginAttempts(normalizedEmail: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: keyFor(normalizedEmail) }));
}
