import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/sign-up';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const validBody = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: '  Ada@Example.COM ',
  company: 'Analytical Engines Ltd',
  password: 'correct horse battery staple',
  plan: 'business',
};

const signUp = (json: unknown, extra: Parameters<typeof apiEvent>[0] = {}) =>
  handler(apiEvent({ path: '/auth/signup', json, ...extra }), lambdaContext);

function cancelled(codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeAll(async () => {
  await useTestSigningKey();
});

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  clearCaches();
  ddb.on(TransactWriteCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
});

describe('POST /auth/signup', () => {
  it('creates the account in one transaction, starts provisioning and answers 201 with tokens', async () => {
    const res = await signUp(validBody);

    expect(res.statusCode).toBe(201);
    const body = bodyOf(res);
    expect(body).toMatchObject({
      status: 'provisioning',
      plan: 'business',
      subdomain: 'analytical-engines-ltd.customers.stackpro.test',
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(body.statusUrl).toBe(`https://api.example.test/prod/customers/${body.customerId}/status`);
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(typeof body.refreshToken).toBe('string');
    const trialDays = (Date.parse(body.trialEndsAt) - Date.now()) / 86_400_000;
    expect(trialDays).toBeGreaterThan(6.99);
    expect(trialDays).toBeLessThanOrEqual(7);

    const [tx] = ddb.commandCalls(TransactWriteCommand);
    const items = tx.args[0].input.TransactItems!.map((t) => t.Put!.Item!);
    expect(items.map((i) => i.pk)).toEqual([
      `CUSTOMER#${body.customerId}`,
      'EMAIL#ada@example.com',
      'SLUG#analytical-engines-ltd',
      expect.stringMatching(/^TOKENFAMILY#/),
      // The session's entry in the account's session index (logout-all, password reset).
      `CUSTOMER#${body.customerId}`,
      expect.stringMatching(/^REFRESH#/),
    ]);
    tx.args[0].input.TransactItems!.forEach((t) => expect(t.Put!.ConditionExpression).toBe('attribute_not_exists(pk)'));
    expect(items[1].passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(items)).not.toContain(validBody.password);
    expect(JSON.stringify(items)).not.toContain(body.refreshToken);

    const [start] = sfn.commandCalls(StartExecutionCommand);
    expect(start.args[0].input.name).toBe(`analytical-engines-ltd-${body.customerId}`);
    expect(JSON.parse(start.args[0].input.input!)).toEqual({ customerId: body.customerId, attempt: 1 });
  });

  it('answers 409 EMAIL_TAKEN when the email item already exists', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None', 'None', 'None']));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('EMAIL_TAKEN');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('tries another subdomain when only the slug is taken', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'None', 'ConditionalCheckFailed', 'None', 'None'])).resolves({});
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(201);
    expect(bodyOf(res).subdomain).toMatch(/^analytical-engines-ltd-[0-9a-f]{6}\.customers\.stackpro\.test$/);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('removes the account and answers 503 when provisioning cannot be started', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error.code).toBe('SERVICE_UNAVAILABLE');
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    const deletes = calls[1].args[0].input.TransactItems!.map((t) => t.Delete!.Key!.pk);
    expect(deletes).toEqual(expect.arrayContaining(['EMAIL#ada@example.com', 'SLUG#analytical-engines-ltd']));
    expect(deletes).toHaveLength(6);
  });

  it.each([
    ['malformed JSON', { body: '{"firstName":' }, 400, 'INVALID_JSON'],
    ['an empty body', { body: null }, 400, 'INVALID_JSON'],
    ['a body over 64 KB', { body: JSON.stringify({ ...validBody, company: 'x'.repeat(70_000) }) }, 413, 'PAYLOAD_TOO_LARGE'],
    ['a non-JSON content type', { headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(validBody) }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('refuses %s without touching the table', async (_label, extra, status, code) => {
    const res = await handler(apiEvent({ path: '/auth/signup', ...extra }), lambdaContext);
    expect(res.statusCode).toBe(status);
    expect(bodyOf(res).error.code).toBe(code);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('accepts a base64-encoded JSON body, as API Gateway may send it', async () => {
    const res = await handler(
      apiEvent({ path: '/auth/signup', body: Buffer.from(JSON.stringify(validBody)).toString('base64'), isBase64Encoded: true }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(201);
  });

  it('names every invalid field, including unknown ones', async () => {
    const res = await signUp({
      firstName: 'x'.repeat(101),
      lastName: 42,
      email: 'not-an-email',
      company: 'c'.repeat(256),
      password: 'short',
      plan: 'platinum',
      isAdmin: true,
    });
    expect(res.statusCode).toBe(400);
    const { error } = bodyOf(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d: { field: string }) => d.field).sort()).toEqual(
      ['company', 'email', 'firstName', 'isAdmin', 'lastName', 'password', 'plan'].sort(),
    );
    expect(ddb.calls()).toHaveLength(0);
  });

  it('says which fields are missing', async () => {
    const res = await signUp({ email: 'a@b.co' });
    const fields = bodyOf(res).error.details.map((d: { field: string; message: string }) => `${d.field}: ${d.message}`);
    expect(fields).toEqual(expect.arrayContaining(['firstName: firstName is required.', 'password: password is required.']));
  });

  it('refuses a password over 256 characters', async () => {
    const res = await signUp({ ...validBody, password: 'p'.repeat(257) });
    expect(bodyOf(res).error.details).toEqual([{ field: 'password', message: 'password must be at most 256 characters.' }]);
  });

  it('answers a bare 500 without internals when something unexpected breaks', async () => {
    ddb.on(TransactWriteCommand).rejects(new Error('secret internal detail at /var/task/index.js'));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret internal detail');
    expect(bodyOf(res).error.code).toBe('INTERNAL_ERROR');
  });
});
