import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as confirmHandler } from '../../../lambdas/api/confirm-password-reset';
import { handler as requestHandler } from '../../../lambdas/api/request-password-reset';
import { MIN_RESET_REQUEST_MS, RESET_EMAIL_BUDGET, RESET_TOKEN_TTL_MS, hashResetToken } from '../../../lambdas/core/password-reset';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const NEW_PASSWORD = 'a brand new passphrase';
const TOKEN = 'reset-token-from-the-email';

const requestReset = (json: unknown) => requestHandler(apiEvent({ path: '/auth/password-reset', json }), lambdaContext);
const confirmReset = (json: unknown) => confirmHandler(apiEvent({ path: '/auth/password-reset/confirm', json }), lambdaContext);
const tokenKey = { pk: `RESETTOKEN#${hashResetToken(TOKEN)}`, sk: 'RESETTOKEN' };

beforeEach(() => {
  ddb.reset();
  ses.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: { pk: 'EMAIL#ada@example.com', sk: 'CREDENTIALS' } }).resolves({ Item: { customerId: 'cust-1', passwordHash: 'old' } });
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'PROFILE' } }).resolves({
    Item: { customerId: 'cust-1', email: 'ada@example.com', firstName: '<b>Click here</b>', company: 'Evil Corp http://phish.example' },
  });
  ddb.on(GetCommand, { Key: tokenKey }).resolves({
    Item: { customerId: 'cust-1', issuedAt: Date.now() - 60_000, expiresAt: Date.now() + RESET_TOKEN_TTL_MS - 60_000 },
  });
  ddb.on(UpdateCommand).resolves({ Attributes: { used: 1 } });
  ddb.on(PutCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
});

describe('POST /auth/password-reset', () => {
  it('emails a single-use link to a real account and stores only the token hash', async () => {
    const res = await requestReset({ email: ' Ada@Example.com ' });
    expect(res.statusCode).toBe(202);

    const [send] = ses.commandCalls(SendEmailCommand);
    const input = send.args[0].input;
    expect(input.Destination?.ToAddresses).toEqual(['ada@example.com']);
    expect(input.FromEmailAddress).toBe('welcome@stackpro.test');
    const text = input.Content!.Simple!.Body!.Text!.Data!;
    const token = /reset-password\?token=([\w-]+)/.exec(text)![1];
    expect(text).toContain(`https://app.stackpro.test/reset-password?token=${token}`);
    expect(text).toContain(`code on the reset page: ${token}`);
    expect(input.Content!.Simple!.Body!.Html!.Data).toContain(`href="https://app.stackpro.test/reset-password?token=${token}"`);

    const [put] = ddb.commandCalls(PutCommand);
    const item = put.args[0].input.Item!;
    expect(item.pk).toBe(`RESETTOKEN#${hashResetToken(token)}`);
    expect(JSON.stringify(item)).not.toContain(token);
    expect(item.expiresAt - item.issuedAt).toBe(RESET_TOKEN_TTL_MS);
  });

  it('puts nothing the user typed into the email', async () => {
    await requestReset({ email: 'ada@example.com' });
    const content = JSON.stringify(ses.commandCalls(SendEmailCommand)[0].args[0].input.Content);
    expect(content).not.toContain('Click here');
    expect(content).not.toContain('Evil Corp');
    expect(content).not.toContain('phish');
  });

  it('answers an unknown email exactly like a real one, sends nothing and stores nothing', async () => {
    const known = await requestReset({ email: 'ada@example.com' });
    ses.reset();
    ddb.resetHistory();
    const unknown = await requestReset({ email: 'nobody@example.com' });
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('takes at least the same minimum time whether or not the email has an account', async () => {
    for (const email of ['ada@example.com', 'nobody@example.com']) {
      const started = Date.now();
      await requestReset({ email });
      expect(Date.now() - started).toBeGreaterThanOrEqual(MIN_RESET_REQUEST_MS - 5);
    }
  });

  it('drops the email silently (still 202) once the account had its reset emails for the hour', async () => {
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'RESETEMAILS' } }).resolves({
      Item: { used: RESET_EMAIL_BUDGET.max, windowStartsAt: Date.now() - 1000 },
    });
    const res = await requestReset({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(202);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('still answers 202 when SES fails, and removes the token nobody received', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    const res = await requestReset({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(202);
    const stored = ddb.commandCalls(PutCommand)[0].args[0].input.Item!;
    expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key)).toContainEqual({ pk: stored.pk, sk: stored.sk });
  });

  it('refuses a malformed email with VALIDATION_FAILED (which reveals nothing about accounts)', async () => {
    const res = await requestReset({ email: 'not-an-email' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'email', message: 'email is not a valid address.' }]);
  });
});

describe('POST /auth/password-reset/confirm', () => {
  it('sets the new password, spends the token and clears the lockout in one transaction, then revokes every session', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ familyId: 'fam-1' }, { familyId: 'fam-2' }] });
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(204);

    const [tx] = ddb.commandCalls(TransactWriteCommand);
    const [spend, credentials, lockout] = tx.args[0].input.TransactItems!;
    expect(spend.Update!.Key).toEqual(tokenKey);
    expect(spend.Update!.ConditionExpression).toContain('attribute_not_exists(usedAt) AND expiresAt > :now');
    expect(credentials.Update!.Key).toEqual({ pk: 'EMAIL#ada@example.com', sk: 'CREDENTIALS' });
    expect(credentials.Update!.ExpressionAttributeValues![':hash']).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(tx.args[0].input)).not.toContain(NEW_PASSWORD);
    expect(String(lockout.Delete!.Key!.pk)).toMatch(/^LOGINATTEMPTS#/);

    const revokedFamilies = ddb
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.UpdateExpression?.includes('revokedAt'))
      .map((c) => c.args[0].input.Key!.pk);
    expect(new Set(revokedFamilies)).toEqual(new Set(['TOKENFAMILY#fam-1', 'TOKENFAMILY#fam-2']));
    const removedIndex = ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key!.sk);
    expect(removedIndex).toEqual(expect.arrayContaining(['SESSION#fam-1', 'SESSION#fam-2']));
    // Sessions are revoked before the transaction too, so a crash right after it leaves none alive.
    const order = ddb.calls().map((call) => call.args[0].constructor.name);
    expect(order.indexOf('QueryCommand')).toBeLessThan(order.indexOf('TransactWriteCommand'));
    expect(order.lastIndexOf('QueryCommand')).toBeGreaterThan(order.indexOf('TransactWriteCommand'));
  });

  it.each([
    ['an unknown', undefined],
    ['a used', { customerId: 'cust-1', issuedAt: Date.now() - 60_000, expiresAt: Date.now() + 60_000, usedAt: Date.now() - 1 }],
    ['an expired', { customerId: 'cust-1', issuedAt: Date.now() - RESET_TOKEN_TTL_MS - 1, expiresAt: Date.now() - 1 }],
  ])('answers 400 INVALID_RESET_TOKEN for %s token, changing nothing', async (_kind, item) => {
    ddb.on(GetCommand, { Key: tokenKey }).resolves({ Item: item });
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_RESET_TOKEN');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers 400 when another confirm spent the token first (or the password changed since the link was sent)', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }] }),
    );
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_RESET_TOKEN');
  });

  it('applies the signup password rules', async () => {
    const res = await confirmReset({ token: TOKEN, password: 'short' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'password', message: 'password must be at least 12 characters.' }]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});
