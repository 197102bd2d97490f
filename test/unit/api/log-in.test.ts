import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/log-in';
import { MAX_PASSWORD_CHECKS, WINDOW_MS } from '../../../lambdas/core/login-throttle';
import { hashPassword } from '../../../lambdas/core/passwords';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

const ddb = mockClient(DynamoDBDocumentClient);
const PASSWORD = 'correct horse battery staple';
let passwordHash: string;

const logIn = (json: unknown) => handler(apiEvent({ path: '/auth/login', json }), lambdaContext);
const isAttempts = (input: { Key?: Record<string, unknown> }) => String(input.Key?.pk).startsWith('LOGINATTEMPTS#');
const isCredentials = (input: { Key?: Record<string, unknown> }) => input.Key?.pk === 'EMAIL#ada@example.com';
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

beforeAll(async () => {
  await useTestSigningKey();
  passwordHash = await hashPassword(PASSWORD);
});

beforeEach(() => {
  ddb.reset();
  clearCaches();
  ddb.on(GetCommand).callsFake((input) => (isCredentials(input) ? { Item: { customerId: 'cust-1', passwordHash } } : {}));
  // An open window with room: the reservation succeeds at once.
  ddb.on(UpdateCommand).resolves({ Attributes: { used: 1 } });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

describe('POST /auth/login', () => {
  it('answers 200 with a token pair for the right password, matching the email case-insensitively', async () => {
    const res = await logIn({ email: ' ADA@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toMatchObject({ customerId: 'cust-1', expiresIn: 900, tokenType: 'Bearer' });
    expect(bodyOf(res).accessToken).toBeDefined();
    // The session starts only if the password checked is still the account's (a reset may race the login).
    const [tx] = ddb.commandCalls(TransactWriteCommand);
    const guard = tx.args[0].input.TransactItems!.find((item) => item.ConditionCheck)!.ConditionCheck!;
    expect(guard).toMatchObject({ Key: { pk: 'EMAIL#ada@example.com', sk: 'CREDENTIALS' }, ConditionExpression: 'passwordHash = :hash' });
    // A success keeps its reservation: the burst that holds the right password still gets the budget only.
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('reserves the check BEFORE the password is verified, with one conditional update', async () => {
    await logIn({ email: 'ada@example.com', password: PASSWORD });
    const calls = ddb.calls().map((call) => call.args[0]);
    const reserve = calls.findIndex((command) => command instanceof UpdateCommand && isAttempts(command.input));
    const readCredentials = calls.findIndex((command) => command instanceof GetCommand && isCredentials(command.input));
    expect(reserve).toBe(0);
    expect(readCredentials).toBeGreaterThan(reserve);
    const input = (calls[reserve] as UpdateCommand).input;
    expect(input.UpdateExpression).toBe('ADD used :one');
    expect(input.ConditionExpression).toContain('used < :max');
    expect(input.ExpressionAttributeValues![':max']).toBe(MAX_PASSWORD_CHECKS);
  });

  it('answers the same 401 for a wrong password and an unknown email, reserving a check for both', async () => {
    const wrong = await logIn({ email: 'ada@example.com', password: 'not the password' });
    const unknown = await logIn({ email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(bodyOf(wrong).error.code).toBe('INVALID_CREDENTIALS');
    expect(ddb.commandCalls(UpdateCommand).filter((c) => isAttempts(c.args[0].input))).toHaveLength(2);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('opens a new window when there is none (or the old one closed)', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    const res = await logIn({ email: 'ada@example.com', password: 'not the password' });
    expect(res.statusCode).toBe(401);
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates[1].UpdateExpression).toContain('SET used = :one, windowStartsAt = :now');
    expect(updates[1].ConditionExpression).toBe('attribute_not_exists(windowStartsAt) OR windowStartsAt <= :cutoff');
  });

  it('answers 429 with Retry-After when the window is full, without reading credentials or checking the password', async () => {
    const windowStartsAt = Date.now() - 60_000;
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).callsFake((input) =>
      isAttempts(input) ? { Item: { used: MAX_PASSWORD_CHECKS, windowStartsAt } } : { Item: { customerId: 'cust-1', passwordHash } },
    );
    const res = await logIn({ email: 'ada@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(429);
    expect(bodyOf(res).error.code).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = Number(res.headers!['Retry-After']);
    expect(retryAfter).toBeGreaterThan((WINDOW_MS - 60_000) / 1000 - 5);
    expect(retryAfter).toBeLessThanOrEqual((WINDOW_MS - 60_000) / 1000 + 1);
    expect(ddb.commandCalls(GetCommand).some((c) => isCredentials(c.args[0].input))).toBe(false);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 401 when the password was reset between the check and the session start', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'x',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );
    const res = await logIn({ email: 'ada@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a missing password with VALIDATION_FAILED', async () => {
    const res = await logIn({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'password', message: 'password is required.' }]);
  });
});
