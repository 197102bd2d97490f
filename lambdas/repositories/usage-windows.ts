import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Reservation, UsageBudget } from '../core/usage-budget';
import { epochSeconds } from './keys';

type TableKey = { readonly pk: string; readonly sk: string };

/** Opening a window races only with other openers; a lost race is retried this often before giving up. */
const OPEN_ATTEMPTS = 4;

/**
 * Reserves one use of `budget` on the item at `key`, BEFORE the caller does the guarded work. Each use is
 * one conditional update that DynamoDB applies atomically, so however many requests arrive at once at most
 * `budget.max` of them are allowed per window; the rest learn how long until the window closes. A window
 * opens at its first use and lasts `budget.windowMs`; the item expires (TTL) with it.
 */
export async function reserveUse(key: TableKey, budget: UsageBudget, now: number): Promise<Reservation> {
  const TableName = config.tableName();
  const cutoff = now - budget.windowMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const { Attributes } = await dynamodb.send(
        new UpdateCommand({
          TableName,
          Key: key,
          UpdateExpression: 'ADD used :one',
          ConditionExpression: 'windowStartsAt > :cutoff AND (attribute_not_exists(used) OR used < :max)',
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff, ':max': budget.max },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { allowed: true, used: Number(Attributes?.used ?? 1) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // No open window, or a full one: read which (consistently: the update above just lost to it).
    const { Item } = await dynamodb.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    const windowStartsAt = Item?.windowStartsAt as number | undefined;
    if (windowStartsAt !== undefined && windowStartsAt > cutoff) {
      // A concurrent request may have opened the window with a clock a little ahead of ours: never
      // promise a wait longer than one window.
      const retryAfterMs = Math.min(budget.windowMs, windowStartsAt + budget.windowMs - now);
      if (Number(Item?.used ?? 0) >= budget.max) return { allowed: false, retryAfterMs };
      // A window opened between our update and our read: count into it.
      if (attempt >= OPEN_ATTEMPTS) throw new Error('Usage window still contended after several attempts');
      continue;
    }
    try {
      await dynamodb.send(
        new UpdateCommand({
          TableName,
          Key: key,
          UpdateExpression: 'SET used = :one, windowStartsAt = :now, #ttl = :ttl',
          // Only one of many concurrent openers wins; the others count into the window it opened.
          ConditionExpression: 'attribute_not_exists(windowStartsAt) OR windowStartsAt <= :cutoff',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':cutoff': cutoff, ':ttl': epochSeconds(now + budget.windowMs) + 60 },
        }),
      );
      return { allowed: true, used: 1 };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempt >= OPEN_ATTEMPTS) throw error;
    }
  }
}

/** Forgets every use, e.g. a password reset clears the login lockout. */
export async function clearUses(key: TableKey): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.tableName(), Key: key }));
}
