import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { reserveUse } from '../../../lambdas/repositories/usage-windows';

const ddb = mockClient(DynamoDBDocumentClient);
const KEY = { pk: 'LOGINATTEMPTS#h', sk: 'LOGINATTEMPTS' };
const BUDGET = { max: 10, windowMs: 15 * 60_000 };
const NOW = 1_700_000_000_000;
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);

beforeEach(() => ddb.reset());

describe('reserveUse', () => {
  it('counts into the open window with one conditional update', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { used: 4 } });
    expect(await reserveUse(KEY, BUDGET, NOW)).toEqual({ allowed: true, used: 4 });
    expect(updates()).toHaveLength(1);
    expect(updates()[0].ExpressionAttributeValues).toMatchObject({ ':cutoff': NOW - BUDGET.windowMs, ':max': 10 });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('refuses a full window with the time until it closes, writing nothing more', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { used: 10, windowStartsAt: NOW - 60_000 } });
    expect(await reserveUse(KEY, BUDGET, NOW)).toEqual({ allowed: false, retryAfterMs: BUDGET.windowMs - 60_000 });
    expect(updates()).toHaveLength(1);
  });

  it('never asks for more than one window when a concurrent opener stamped a later time than ours', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { used: 10, windowStartsAt: NOW + 5 } });
    expect(await reserveUse(KEY, BUDGET, NOW)).toEqual({ allowed: false, retryAfterMs: BUDGET.windowMs });
  });

  it('opens a new window when the old one closed, with a TTL at its end', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({ Item: { used: 10, windowStartsAt: NOW - BUDGET.windowMs - 1 } });
    expect(await reserveUse(KEY, BUDGET, NOW)).toEqual({ allowed: true, used: 1 });
    expect(updates()[1].ExpressionAttributeValues).toMatchObject({ ':now': NOW, ':ttl': Math.floor((NOW + BUDGET.windowMs) / 1000) + 60 });
  });

  it('counts into the window another request opened first instead of opening a second one', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed()) // no window yet
      .rejectsOnce(conditionFailed()) // lost the race to open it
      .resolves({ Attributes: { used: 2 } });
    ddb.on(GetCommand).resolvesOnce({}).resolves({ Item: { used: 1, windowStartsAt: NOW } });
    expect(await reserveUse(KEY, BUDGET, NOW)).toEqual({ allowed: true, used: 2 });
    expect(updates().map((input) => input.UpdateExpression)).toEqual([
      'ADD used :one',
      'SET used = :one, windowStartsAt = :now, #ttl = :ttl',
      'ADD used :one',
    ]);
  });
});
