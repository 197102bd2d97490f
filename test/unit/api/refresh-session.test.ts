import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/refresh-session';
import { hashRefreshToken } from '../../../lambdas/core/tokens';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

const ddb = mockClient(DynamoDBDocumentClient);
const TOKEN = 'presented-refresh-token';
const refresh = (json: unknown) => handler(apiEvent({ path: '/auth/refresh', json }), lambdaContext);
const tokenItem = (extra: Record<string, unknown> = {}) => ({
  Item: { customerId: 'cust-1', familyId: 'fam-1', expiresAt: Date.now() + 60_000, ...extra },
});
const familyRevocations = () =>
  ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.pk === 'TOKENFAMILY#fam-1' && c.args[0].input.UpdateExpression?.includes('revokedAt'));

beforeAll(async () => {
  await useTestSigningKey();
});

beforeEach(() => {
  ddb.reset();
  clearCaches();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { pk: `REFRESH#${hashRefreshToken(TOKEN)}`, sk: 'REFRESH' } }).resolves(tokenItem());
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

describe('POST /auth/refresh', () => {
  it('spends the token and returns a new pair in the same family', async () => {
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body.customerId).toBe('cust-1');
    expect(body.refreshToken).not.toBe(TOKEN);

    const items = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
    expect(items[0].Update!.Key!.pk).toBe(`REFRESH#${hashRefreshToken(TOKEN)}`);
    expect(items[0].Update!.ConditionExpression).toContain('attribute_not_exists(spentAt)');
    expect(items[1].Update!.ConditionExpression).toContain('attribute_not_exists(revokedAt)');
    expect(items[2].ConditionCheck!.Key).toEqual({ pk: 'CUSTOMER#cust-1', sk: 'SESSION#fam-1' });
    expect(items[3].Put!.Item).toMatchObject({ pk: `REFRESH#${hashRefreshToken(body.refreshToken)}`, familyId: 'fam-1', customerId: 'cust-1' });
  });

  it('never lets a refreshed token outlive its session (30 days from login)', async () => {
    const sessionExpiresAt = Date.now() + 5 * 60_000;
    ddb.on(GetCommand, { Key: { pk: `REFRESH#${hashRefreshToken(TOKEN)}`, sk: 'REFRESH' } }).resolves(tokenItem({ sessionExpiresAt }));
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(200);
    const next = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems![3].Put!.Item!;
    expect(next.expiresAt).toBe(sessionExpiresAt);
    expect(next.sessionExpiresAt).toBe(sessionExpiresAt);
  });

  it('refuses a token of a session that was logged out (its index entry is gone)', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'x',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('refuses a spent token and revokes its whole family', async () => {
    ddb.on(GetCommand).resolves(tokenItem({ spentAt: Date.now() - 1000 }));
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toBe('INVALID_REFRESH_TOKEN');
    expect(familyRevocations()).toHaveLength(1);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('treats losing a concurrent refresh race as reuse', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }] }),
    );
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(401);
    expect(familyRevocations()).toHaveLength(1);
  });

  it('refuses a token of a revoked family without revoking again', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }] }),
    );
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(401);
    expect(familyRevocations()).toHaveLength(0);
  });

  it('refuses unknown and expired tokens', async () => {
    expect((await refresh({ refreshToken: 'never-issued' })).statusCode).toBe(401);
    ddb.on(GetCommand).resolves(tokenItem({ expiresAt: Date.now() - 1 }));
    expect((await refresh({ refreshToken: TOKEN })).statusCode).toBe(401);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
