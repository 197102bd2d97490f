import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import { clearUses, reserveUse } from '../../../lambdas/repositories/usage-windows';

/** Against DynamoDB Local (the repositories project): every test on a key of its own. */
const BUDGET = { max: 10, windowMs: 15 * 60_000 };
const NOW = 1_700_000_000_000;
const freshKey = () => ({ pk: `LOGINATTEMPTS#${randomUUID()}`, sk: 'LOGINATTEMPTS' });
const itemAt = async (key: { pk: string; sk: string }) => (await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: key }))).Item;
const seed = (key: { pk: string; sk: string }, item: Record<string, unknown>) => dynamodb.send(new PutCommand({ TableName: config.tableName(), Item: { ...key, ...item } }));

describe('reserveUse', () => {
  it('opens a window at the first use, with a TTL at its end, and counts into it', async () => {
    const key = freshKey();
    expect(await reserveUse(key, BUDGET, NOW)).toEqual({ allowed: true, used: 1 });
    expect(await reserveUse(key, BUDGET, NOW + 1_000)).toEqual({ allowed: true, used: 2 });
    expect(await itemAt(key)).toMatchObject({ used: 2, windowStartsAt: NOW, ttl: Math.floor((NOW + BUDGET.windowMs) / 1000) + 60 });
  });

  it('refuses a full window with the time until it closes, writing nothing more', async () => {
    const key = freshKey();
    await seed(key, { used: 10, windowStartsAt: NOW - 60_000 });
    expect(await reserveUse(key, BUDGET, NOW)).toEqual({ allowed: false, retryAfterMs: BUDGET.windowMs - 60_000 });
    expect(await itemAt(key)).toMatchObject({ used: 10, windowStartsAt: NOW - 60_000 });
  });

  it('never asks for more than one window when a concurrent opener stamped a later time than ours', async () => {
    const key = freshKey();
    await seed(key, { used: 10, windowStartsAt: NOW + 5 });
    expect(await reserveUse(key, BUDGET, NOW)).toEqual({ allowed: false, retryAfterMs: BUDGET.windowMs });
  });

  it('opens a new window when the old one closed', async () => {
    const key = freshKey();
    await seed(key, { used: 10, windowStartsAt: NOW - BUDGET.windowMs - 1 });
    expect(await reserveUse(key, BUDGET, NOW)).toEqual({ allowed: true, used: 1 });
    expect(await itemAt(key)).toMatchObject({ used: 1, windowStartsAt: NOW, ttl: Math.floor((NOW + BUDGET.windowMs) / 1000) + 60 });
  });

  it('the burst: of 30 uses at once on a fresh key, exactly the budget is allowed, in one window', async () => {
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 30 }, () => reserveUse(key, BUDGET, NOW)));
    const allowed = results.filter((result) => result.allowed);
    expect(allowed).toHaveLength(BUDGET.max);
    expect(allowed.map((result) => (result.allowed ? result.used : 0)).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(results.filter((result) => !result.allowed)).toEqual(Array(20).fill({ allowed: false, retryAfterMs: BUDGET.windowMs }));
    expect(await itemAt(key)).toMatchObject({ used: 10, windowStartsAt: NOW });
  });
});

describe('clearUses', () => {
  it('forgets every use, so the next one opens a new window', async () => {
    const key = freshKey();
    await seed(key, { used: 10, windowStartsAt: NOW });
    await clearUses(key);
    expect(await itemAt(key)).toBeUndefined();
    expect(await reserveUse(key, BUDGET, NOW)).toEqual({ allowed: true, used: 1 });
  });
});
