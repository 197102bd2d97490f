import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as logOutAllHandler } from '../../../lambdas/api/log-out-all';
import { handler as logOutHandler } from '../../../lambdas/api/log-out';
import { hashRefreshToken } from '../../../lambdas/core/tokens';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const TOKEN = 'a-refresh-token';
const logOut = (json: unknown) => logOutHandler(apiEvent({ path: '/auth/logout', json }), lambdaContext);
const logOutAll = (customerId?: string) => logOutAllHandler(apiEvent({ path: '/auth/logout-all', customerId }), lambdaContext);
const revokedFamilies = () =>
  ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression?.includes('revokedAt')).map((c) => c.args[0].input.Key!.pk);
const removedSessions = () => ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key);

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { pk: `REFRESH#${hashRefreshToken(TOKEN)}`, sk: 'REFRESH' } }).resolves({
    Item: { customerId: 'cust-1', familyId: 'fam-1', expiresAt: Date.now() + 60_000 },
  });
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

describe('POST /auth/logout', () => {
  it('ends the session the refresh token belongs to: index entry removed, family revoked', async () => {
    const res = await logOut({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(removedSessions()).toEqual([{ pk: 'CUSTOMER#cust-1', sk: 'SESSION#fam-1' }]);
    expect(revokedFamilies()).toEqual(['TOKENFAMILY#fam-1']);
  });

  it('answers the same 204 for a token it does not know, and writes nothing', async () => {
    const res = await logOut({ refreshToken: 'never-issued' });
    expect(res.statusCode).toBe(204);
    expect(removedSessions()).toHaveLength(0);
    expect(revokedFamilies()).toHaveLength(0);
  });

  it('refuses a body without a refresh token', async () => {
    const res = await logOut({});
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'refreshToken', message: 'refreshToken is required.' }]);
  });
});

describe('POST /auth/logout-all', () => {
  it("revokes every session in the caller's session index, page by page", async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ familyId: 'fam-1' }, { familyId: 'fam-2' }], LastEvaluatedKey: { pk: 'CUSTOMER#cust-1', sk: 'SESSION#fam-2' } })
      .resolvesOnce({ Items: [{ familyId: 'fam-3' }] });
    const res = await logOutAll('cust-1');
    expect(res.statusCode).toBe(204);
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({ ExpressionAttributeValues: { ':pk': 'CUSTOMER#cust-1', ':prefix': 'SESSION#' } });
    expect(queries[1].ExclusiveStartKey).toEqual({ pk: 'CUSTOMER#cust-1', sk: 'SESSION#fam-2' });
    expect(revokedFamilies().sort()).toEqual(['TOKENFAMILY#fam-1', 'TOKENFAMILY#fam-2', 'TOKENFAMILY#fam-3']);
  });

  it('answers 401 without an authorizer context', async () => {
    const res = await logOutAll(undefined);
    expect(res.statusCode).toBe(401);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
