import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import {
  deleteEmailVerificationMarker,
  markEmailRunning,
  pendingEmailVerifications,
  putEmailVerificationMarker,
} from '../../../lambdas/repositories/email-verifications';
import { keys } from '../../../lambdas/repositories/keys';

/** Against DynamoDB Local (the repositories project). The EMAILVERIFY partition is shared: each test reads only its own customers. */
const marker = (customerId: string, startedAt = '2026-01-01T00:00:00.000Z') => ({ customerId, identity: `${customerId}.customers.example`, startedAt });

afterEach(() => jest.restoreAllMocks());

async function pendingOf(customerIds: readonly string[]) {
  const mine = [];
  for await (const pending of pendingEmailVerifications()) if (customerIds.includes(pending.customerId)) mine.push(pending);
  return mine;
}

describe('email verification markers', () => {
  it('a retried activation keeps the first marker and its start time', async () => {
    const customerId = randomUUID();
    await putEmailVerificationMarker(marker(customerId, '2026-01-01T00:00:00.000Z'));
    await putEmailVerificationMarker(marker(customerId, '2026-01-02T00:00:00.000Z'));
    expect(await pendingOf([customerId])).toEqual([marker(customerId, '2026-01-01T00:00:00.000Z')]);
  });

  it('lists every pending marker across pages (a Query of the one partition, never a Scan), and a deleted one no more', async () => {
    const customerIds = Array.from({ length: 3 }, () => randomUUID());
    await Promise.all(customerIds.map((customerId) => putEmailVerificationMarker(marker(customerId))));
    // Pages of two (a real partition pages at 1 MB), so the listing must follow LastEvaluatedKey.
    const send = dynamodb.send.bind(dynamodb) as (command: unknown) => Promise<unknown>;
    const queries: Array<Record<string, unknown>> = [];
    jest.spyOn(dynamodb, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof QueryCommand) {
        command.input.Limit = 2;
        queries.push({ ...command.input });
      } else throw new Error(`only Queries expected, got ${(command as object).constructor.name}`);
      return send(command);
    }) as typeof dynamodb.send);
    expect((await pendingOf(customerIds)).map((pending) => pending.customerId).sort()).toEqual([...customerIds].sort());
    expect(queries.length).toBeGreaterThanOrEqual(2);
    expect(queries[0]).toMatchObject({ ExpressionAttributeValues: { ':pk': 'EMAILVERIFY' } });
    expect(queries[1].ExclusiveStartKey).toMatchObject({ pk: 'EMAILVERIFY' });
    jest.restoreAllMocks();

    await deleteEmailVerificationMarker(customerIds[0]);
    expect((await pendingOf(customerIds)).map((pending) => pending.customerId).sort()).toEqual(customerIds.slice(1).sort());
  });
});

describe('markEmailRunning', () => {
  const infrastructure = (customerId: string, email: string) =>
    dynamodb.send(new PutCommand({ TableName: config.tableName(), Item: { ...keys.infrastructure(customerId), services: { email, web: 'running' } } }));
  const services = async (customerId: string) =>
    (await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: keys.infrastructure(customerId) }))).Item?.services;

  it('marks a pending email service running, once', async () => {
    const customerId = randomUUID();
    await infrastructure(customerId, 'pending_verification');
    expect(await markEmailRunning(customerId, '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(await services(customerId)).toEqual({ email: 'running', web: 'running' });
    expect(await markEmailRunning(customerId, '2026-01-01T00:05:00.000Z')).toBe(false);
  });

  it('leaves a service that is no longer pending (suspended or deprovisioned meanwhile) as it is', async () => {
    const customerId = randomUUID();
    await infrastructure(customerId, 'stopped');
    expect(await markEmailRunning(customerId, '2026-01-01T00:00:00.000Z')).toBe(false);
    expect(await services(customerId)).toEqual({ email: 'stopped', web: 'running' });
    expect(await markEmailRunning(randomUUID(), '2026-01-01T00:00:00.000Z')).toBe(false);
  });
});
