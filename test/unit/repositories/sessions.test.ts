import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import { keys } from '../../../lambdas/repositories/keys';
import { InvalidCredentialsError, InvalidRefreshTokenError } from '../../../lambdas/core/errors';
import { hashRefreshToken } from '../../../lambdas/core/tokens';
import { endSessionOf, revokeAllSessions, rotateRefreshToken, startSession } from '../../../lambdas/repositories/sessions';
import { BURST_TIMEOUT_MS, putItem, uniqueEmail } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
const NOW = Date.now();
const get = async (key: { pk: string; sk: string }) => (await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: key, ConsistentRead: true }))).Item;
const indexEntry = (customerId: string, familyId: string) => get(keys.session(customerId, familyId));
const family = (familyId: string) => get(keys.tokenFamily(familyId));

afterEach(() => jest.restoreAllMocks());

describe('endSessionOf (logout)', () => {
  it('ends the session the refresh token belongs to: index entry removed, family revoked', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    const other = await startSession(customerId, NOW);
    expect(await indexEntry(customerId, session.familyId)).toBeDefined();

    await endSessionOf(session.refreshToken, NOW + 1);

    expect(await indexEntry(customerId, session.familyId)).toBeUndefined();
    expect(await family(session.familyId)).toMatchObject({ revokedAt: NOW + 1 });
    // Only that session: the account's other one goes on.
    expect(await indexEntry(customerId, other.familyId)).toBeDefined();
    expect((await family(other.familyId))?.revokedAt).toBeUndefined();
  });

  it('is idempotent: a second logout with the same token keeps the first revocation time', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    await endSessionOf(session.refreshToken, NOW + 1);
    await endSessionOf(session.refreshToken, NOW + 2);
    expect(await family(session.familyId)).toMatchObject({ revokedAt: NOW + 1 });
  });

  it('changes nothing for a token it does not know', async () => {
    const send = jest.spyOn(dynamodb, 'send');
    await endSessionOf(`never-issued-${randomUUID()}`, NOW);
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['GetCommand']);
  });
});

describe('revokeAllSessions (logout-all, password reset)', () => {
  it("revokes every session in the account's session index, page by page, and no one else's", async () => {
    const customerId = randomUUID();
    const otherTenant = randomUUID();
    const sessions = await Promise.all(Array.from({ length: 5 }, () => startSession(customerId, NOW)));
    const theirs = await startSession(otherTenant, NOW);
    // Pages of two, so the five sessions take three Queries (a real index pages at 1 MB).
    const send = dynamodb.send.bind(dynamodb) as (command: unknown) => Promise<unknown>;
    const queries: Array<Record<string, unknown>> = [];
    jest.spyOn(dynamodb, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof QueryCommand) {
        command.input.Limit = 2;
        queries.push({ ...command.input });
      }
      return send(command);
    }) as typeof dynamodb.send);

    expect(await revokeAllSessions(customerId, NOW + 1)).toBe(5);

    expect(queries.length).toBeGreaterThanOrEqual(3);
    expect(queries[0]).toMatchObject({ ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}`, ':prefix': 'SESSION#' } });
    expect(queries[1].ExclusiveStartKey).toMatchObject({ pk: `CUSTOMER#${customerId}` });
    for (const session of sessions) {
      expect(await indexEntry(customerId, session.familyId)).toBeUndefined();
      expect(await family(session.familyId)).toMatchObject({ revokedAt: NOW + 1 });
    }
    expect(await indexEntry(otherTenant, theirs.familyId)).toBeDefined();
    expect((await family(theirs.familyId))?.revokedAt).toBeUndefined();
  });

  it('answers 0 for an account without sessions', async () => {
    expect(await revokeAllSessions(randomUUID(), NOW)).toBe(0);
  });
});

describe('startSession (login)', () => {
  it('starts a family, its index entry and its first token (stored by hash, with TTLs)', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    expect(await family(session.familyId)).toMatchObject({ customerId, sessionExpiresAt: session.sessionExpiresAtMs, ttl: Math.floor(session.sessionExpiresAtMs / 1000) + 3600 });
    expect(await indexEntry(customerId, session.familyId)).toMatchObject({ familyId: session.familyId, startedAt: NOW });
    expect(await get(keys.refreshToken(hashRefreshToken(session.refreshToken)))).toMatchObject({
      customerId,
      familyId: session.familyId,
      expiresAt: session.expiresAtMs,
      ttl: Math.floor(session.expiresAtMs / 1000) + 3600,
    });
  });

  it('starts nothing when the password checked is no longer the account\'s (a reset raced the login)', async () => {
    const customerId = randomUUID();
    const email = uniqueEmail();
    await putItem({ ...keys.credentials(email), customerId, passwordHash: 'new-hash' });
    const send = jest.spyOn(dynamodb, 'send');

    await expect(startSession(customerId, NOW, { key: keys.credentials(email), passwordHash: 'old-hash' })).rejects.toBeInstanceOf(InvalidCredentialsError);

    expect(send).toHaveBeenCalledTimes(1);
    const written = await dynamodb.send(
      new QueryCommand({ TableName: config.tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` } }),
    );
    expect(written.Items).toEqual([]);
    expect((await startSession(customerId, NOW, { key: keys.credentials(email), passwordHash: 'new-hash' })).familyId).toEqual(expect.any(String));
  });
});

describe('rotateRefreshToken (refresh)', () => {
  const token = (refreshToken: string) => get(keys.refreshToken(hashRefreshToken(refreshToken)));

  it('spends the token and returns the next one of the same family and customer', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    const { customerId: owner, session: next } = await rotateRefreshToken(session.refreshToken, NOW + 1);

    expect(owner).toBe(customerId);
    expect(next.familyId).toBe(session.familyId);
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(await token(session.refreshToken)).toMatchObject({ spentAt: NOW + 1 });
    expect(await token(next.refreshToken)).toMatchObject({ customerId, familyId: session.familyId, expiresAt: next.expiresAtMs });
    expect((await family(session.familyId))?.revokedAt).toBeUndefined();
  });

  it('never lets a refreshed token outlive its session (30 days from login)', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    const late = session.sessionExpiresAtMs - 60_000;
    const { session: next } = await rotateRefreshToken(session.refreshToken, late);
    expect(next.expiresAtMs).toBe(session.sessionExpiresAtMs);
    expect(await token(next.refreshToken)).toMatchObject({ expiresAt: session.sessionExpiresAtMs, sessionExpiresAt: session.sessionExpiresAtMs });
  });

  it('the burst: of 50 refreshes with one token at once, exactly one succeeds, and the reuse revokes the family', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => rotateRefreshToken(session.refreshToken, NOW + 1)));

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected').every((result) => (result as PromiseRejectedResult).reason instanceof InvalidRefreshTokenError)).toBe(true);
    expect(await family(session.familyId)).toMatchObject({ revokedAt: NOW + 1 });
    const [winner] = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.session] : []));
    await expect(rotateRefreshToken(winner.refreshToken, NOW + 2)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
  }, BURST_TIMEOUT_MS);

  it('refuses a spent token and revokes its whole family', async () => {
    const customerId = randomUUID();
    const session = await startSession(customerId, NOW);
    const { session: next } = await rotateRefreshToken(session.refreshToken, NOW + 1);

    await expect(rotateRefreshToken(session.refreshToken, NOW + 2)).rejects.toBeInstanceOf(InvalidRefreshTokenError);

    expect(await family(session.familyId)).toMatchObject({ revokedAt: NOW + 2 });
    expect(await indexEntry(customerId, session.familyId)).toBeUndefined();
    await expect(rotateRefreshToken(next.refreshToken, NOW + 3)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    // Refused without revoking again: the first revocation time stays.
    expect(await family(session.familyId)).toMatchObject({ revokedAt: NOW + 2 });
    expect(await token(next.refreshToken)).not.toHaveProperty('spentAt');
  });

  it('refuses a token of a session that was logged out, and unknown and expired tokens, spending nothing', async () => {
    const customerId = randomUUID();
    const loggedOut = await startSession(customerId, NOW);
    await endSessionOf(loggedOut.refreshToken, NOW);
    const live = await startSession(customerId, NOW);

    await expect(rotateRefreshToken(loggedOut.refreshToken, NOW + 1)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await expect(rotateRefreshToken(`never-issued-${randomUUID()}`, NOW + 1)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await expect(rotateRefreshToken(live.refreshToken, live.expiresAtMs)).rejects.toBeInstanceOf(InvalidRefreshTokenError);

    expect(await token(loggedOut.refreshToken)).not.toHaveProperty('spentAt');
    expect(await token(live.refreshToken)).not.toHaveProperty('spentAt');
    expect((await family(live.familyId))?.revokedAt).toBeUndefined();
  });
});
