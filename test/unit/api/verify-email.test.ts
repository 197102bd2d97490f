import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/verify-email';
import { hashVerificationToken } from '../../../lambdas/core/verification';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const TOKEN = 'k'.repeat(43);
const NOW = Date.now();
const pending = {
  pk: 'CUSTOMER#cust-a',
  sk: 'PROFILE',
  customerId: 'cust-a',
  email: 'ada@example.com',
  company: 'Analytical Engines',
  plan: 'starter',
  status: 'pending_verification',
  subdomain: 'analytical-engines.customers.stackpro.test',
  provisioningExecutionName: 'analytical-engines-cust-a',
  pendingExpiresAt: NOW + 6 * 86_400_000,
};
const tokenItem = { customerId: 'cust-a', expiresAt: NOW + 3_600_000 };

const verify = (json: unknown) => handler(apiEvent({ path: '/auth/verify-email', json }), lambdaContext);
const tokenKey = { pk: `VERIFY#${hashVerificationToken(TOKEN)}`, sk: 'VERIFY' };

function cancelled(codes: string[]) {
  return new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
}

function given(token: object | undefined, ...profiles: object[]) {
  ddb.on(GetCommand, { Key: tokenKey }).resolves({ Item: token });
  const profileGets = ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-a', sk: 'PROFILE' } });
  profiles.forEach((profile) => profileGets.resolvesOnce({ Item: profile }));
}

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
});

describe('POST /auth/verify-email', () => {
  it('spends the token, starts the trial now and starts the signup-named execution, all in one transaction first', async () => {
    given(tokenItem, pending);
    const res = await verify({ token: TOKEN });

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ customerId: 'cust-a', status: 'provisioning' });
    const items = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!.map((item) => item.Update!);
    expect(items.map((item) => item.Key)).toEqual([
      tokenKey,
      { pk: 'CUSTOMER#cust-a', sk: 'PROFILE' },
      { pk: 'EMAIL#ada@example.com', sk: 'CREDENTIALS' },
      { pk: 'SLUG#analytical-engines', sk: 'SLUG' },
    ]);
    expect(items[0].ConditionExpression).toContain('attribute_not_exists(usedAt)');
    expect(items[0].ConditionExpression).toContain('expiresAt > :now');
    expect(items[1].ConditionExpression).toBe('#status = :pending AND pendingExpiresAt > :now');
    expect(items[1].UpdateExpression).toContain('REMOVE #indexPk, pendingExpiresAt');
    const trialMs = Date.parse(items[1].ExpressionAttributeValues![':trialEndsAt']) - Date.now();
    expect(trialMs).toBeGreaterThan(7 * 86_400_000 - 5_000);
    expect(trialMs).toBeLessThanOrEqual(7 * 86_400_000);

    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0].args[0].input).toMatchObject({ name: 'analytical-engines-cust-a', input: JSON.stringify({ customerId: 'cust-a', attempt: 1 }) });
  });

  it.each([
    ['unknown', undefined],
    ['expired', { ...tokenItem, expiresAt: NOW - 1 }],
  ])('answers an %s token with 400 INVALID_VERIFICATION_TOKEN and changes nothing', async (_label, token) => {
    given(token, pending);
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_VERIFICATION_TOKEN');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses the token of an abandoned (expired) pending account', async () => {
    given(tokenItem, { ...pending, pendingExpiresAt: NOW - 1 });
    expect(bodyOf(await verify({ token: TOKEN })).error.code).toBe('INVALID_VERIFICATION_TOKEN');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers a repeated click with the current status and starts nothing', async () => {
    given({ ...tokenItem, usedAt: NOW - 5_000 }, { ...pending, status: 'active', verifiedAt: new Date(NOW - 5_000).toISOString(), provisioningStartedAt: 'x' });
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ customerId: 'cust-a', status: 'active' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers the current status when a concurrent click verified first, without starting anything', async () => {
    given(tokenItem, pending, { ...pending, status: 'provisioning' });
    ddb.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None', 'None']));
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).status).toBe('provisioning');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('undoes the verification and answers 503 when the execution cannot be started, so the link works again', async () => {
    given(tokenItem, pending);
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error.code).toBe('SERVICE_UNAVAILABLE');
    const [, undo] = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!.map((item) => item.Update!));
    expect(undo[0]).toMatchObject({ Key: tokenKey, UpdateExpression: 'REMOVE usedAt' });
    expect(undo[1].UpdateExpression).toContain('REMOVE trialEndsAt, verifiedAt');
    expect(undo[1].ExpressionAttributeValues).toMatchObject({ ':pending': 'pending_verification', ':expires': pending.pendingExpiresAt });
    expect(undo[2].ExpressionAttributeValues).toMatchObject({ ':expires': pending.pendingExpiresAt });
  });

  it('treats an execution that already exists under the signup name as started', async () => {
    given(tokenItem, pending);
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('starts the execution of an account whose verification was interrupted before it could', async () => {
    given({ ...tokenItem, usedAt: NOW - 120_000 }, { ...pending, status: 'provisioning', verifiedAt: new Date(NOW - 120_000).toISOString() });
    const res = await verify({ token: TOKEN });
    expect(bodyOf(res)).toEqual({ customerId: 'cust-a', status: 'provisioning' });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe('analytical-engines-cust-a');
    expect(ddb.commandCalls(UpdateCommand)[0].args[0].input.UpdateExpression).toContain('provisioningStartedAt');
  });

  it.each([[{}], [{ token: 7 }], [{ token: 'a b' }], [{ token: TOKEN, extra: 1 }], [[TOKEN]]])('refuses %j with 400 VALIDATION_FAILED', async (json) => {
    const res = await verify(json);
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('VALIDATION_FAILED');
    expect(ddb.calls()).toHaveLength(0);
  });
});
