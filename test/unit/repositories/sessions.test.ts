import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import { keys } from '../../../lambdas/repositories/keys';
import { endSessionOf, revokeAllSessions, startSession } from '../../../lambdas/repositories/sessions';

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
