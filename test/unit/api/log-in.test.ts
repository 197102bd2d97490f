import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/log-in';
import { hashPassword } from '../../../lambdas/core/passwords';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

const ddb = mockClient(DynamoDBDocumentClient);
const PASSWORD = 'correct horse battery staple';
let passwordHash: string;

const logIn = (json: unknown) => handler(apiEvent({ path: '/auth/login', json }), lambdaContext);
const isAttempts = (input: { Key?: Record<string, unknown> }) => String(input.Key?.pk).startsWith('LOGINATTEMPTS#');
const isCredentials = (input: { Key?: Record<string, unknown> }) => input.Key?.pk === 'EMAIL#ada@example.com';

beforeAll(async () => {
  await useTestSigningKey();
  passwordHash = await hashPassword(PASSWORD);
});

beforeEach(() => {
  ddb.reset();
  clearCaches();
  ddb.on(GetCommand).callsFake((input) =>
    isCredentials(input) ? { Item: { customerId: 'cust-1', passwordHash } } : {},
  );
  ddb.on(UpdateCommand).resolves({ Attributes: { failures: 1 } });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

describe('POST /auth/login', () => {
  it('answers 200 with a token pair for the right password, matching the email case-insensitively', async () => {
    const res = await logIn({ email: ' ADA@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toMatchObject({ customerId: 'cust-1', expiresIn: 900, tokenType: 'Bearer' });
    expect(bodyOf(res).accessToken).toBeDefined();
    expect(bodyOf(res).refreshToken).toBeDefined();
    // A success forgets earlier failures and starts a new refresh-token family.
    expect(ddb.commandCalls(DeleteCommand).some((c) => isAttempts(c.args[0].input))).toBe(true);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers the same 401 for a wrong password and an unknown email, counting both', async () => {
    const wrong = await logIn({ email: 'ada@example.com', password: 'not the password' });
    const unknown = await logIn({ email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(bodyOf(wrong).error.code).toBe('INVALID_CREDENTIALS');
    expect(ddb.commandCalls(UpdateCommand).filter((c) => isAttempts(c.args[0].input))).toHaveLength(2);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('opens a new counting window when the old one has expired', async () => {
    ddb.on(UpdateCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'no', $metadata: {} })).resolves({});
    const res = await logIn({ email: 'ada@example.com', password: 'not the password' });
    expect(res.statusCode).toBe(401);
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.UpdateExpression);
    expect(updates[1]).toContain('SET failures = :one, windowStartsAt = :now');
  });

  it('locks the email on the tenth failure in the window', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { failures: 10 } });
    await logIn({ email: 'ada@example.com', password: 'not the password' });
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.UpdateExpression);
    expect(updates).toContainEqual(expect.stringContaining('lockedUntil'));
  });

  it('answers 429 with Retry-After while locked, without checking the password', async () => {
    const lockedUntil = Date.now() + 600_000;
    ddb.on(GetCommand).callsFake((input) =>
      isAttempts(input) ? { Item: { failures: 10, windowStartsAt: Date.now(), lockedUntil } } : { Item: { customerId: 'cust-1', passwordHash } },
    );
    const res = await logIn({ email: 'ada@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(429);
    expect(bodyOf(res).error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(res.headers!['Retry-After'])).toBeGreaterThan(590);
    expect(ddb.commandCalls(GetCommand).some((c) => isCredentials(c.args[0].input))).toBe(false);
  });

  it('refuses a missing password with VALIDATION_FAILED', async () => {
    const res = await logIn({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'password', message: 'password is required.' }]);
  });
});
