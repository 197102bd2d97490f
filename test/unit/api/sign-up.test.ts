import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/sign-up';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const ses = mockClient(SESv2Client);

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
  ses.reset();
  clearCaches();
  ddb.on(TransactWriteCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

describe('POST /auth/signup', () => {
  it('creates the account pending verification in one transaction, provisions nothing and answers 201 with tokens', async () => {
    const res = await signUp(validBody);

    expect(res.statusCode).toBe(201);
    const body = bodyOf(res);
    expect(body).toMatchObject({
      status: 'pending_verification',
      plan: 'business',
      subdomain: 'analytical-engines-ltd.customers.stackpro.test',
      // No trial before the email is verified.
      trialEndsAt: null,
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(body.statusUrl).toBe(`https://api.example.test/prod/customers/${body.customerId}/status`);
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(typeof body.refreshToken).toBe('string');

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
      expect.stringMatching(/^VERIFY#/),
    ]);
    const [profile, credentials, slug, , , , token] = items;
    expect(profile).toMatchObject({ status: 'pending_verification', pendingIndexPk: 'PENDING' });
    expect(profile.trialEndsAt).toBeUndefined();
    const pendingDays = (profile.pendingExpiresAt - Date.now()) / 86_400_000;
    expect(pendingDays).toBeGreaterThan(6.99);
    expect(pendingDays).toBeLessThanOrEqual(7);
    // Email and subdomain are held only until the pending account expires.
    expect(credentials.pendingExpiresAt).toBe(profile.pendingExpiresAt);
    expect(slug.pendingExpiresAt).toBe(profile.pendingExpiresAt);
    const conditions = tx.args[0].input.TransactItems!.map((t) => t.Put!.ConditionExpression);
    expect(conditions[1]).toBe('attribute_not_exists(pk) OR pendingExpiresAt < :now');
    expect(conditions[2]).toBe('attribute_not_exists(pk) OR pendingExpiresAt < :now');
    expect(items[1].passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(items)).not.toContain(validBody.password);
    expect(JSON.stringify(items)).not.toContain(body.refreshToken);
    const tokenHours = (token.expiresAt - Date.now()) / 3_600_000;
    expect(tokenHours).toBeGreaterThan(23.99);
    expect(tokenHours).toBeLessThanOrEqual(24);

    // Nothing provisioned or billed yet; one verification email, with the token whose hash was stored.
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const [send] = ses.commandCalls(SendEmailCommand);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(send.args[0].input.FromEmailAddress).toBe('welcome@stackpro.test');
    expect(send.args[0].input.Destination!.ToAddresses).toEqual(['ada@example.com']);
    const text = send.args[0].input.Content!.Simple!.Body!.Text!.Data!;
    const sent = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)![1];
    expect(token.pk).toBe(`VERIFY#${createHash('sha256').update(sent).digest('base64url')}`);
    expect(JSON.stringify(items)).not.toContain(sent);
  });

  it('puts nothing the person typed into the verification email', async () => {
    await signUp({ ...validBody, firstName: 'Mallory<b>', lastName: 'Phish', company: 'Click http://evil.test now' });
    const content = JSON.stringify(ses.commandCalls(SendEmailCommand)[0].args[0].input.Content);
    for (const typed of ['Mallory', 'Phish', 'evil.test', 'Click']) expect(content).not.toContain(typed);
  });

  it('still answers 201 when the verification email cannot be sent (resend gets another)', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('down'), { name: 'TooManyRequestsException' }));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(201);
    expect(bodyOf(res).status).toBe('pending_verification');
  });

  it('answers 409 EMAIL_TAKEN when the email item already exists', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None', 'None', 'None', 'None']));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('EMAIL_TAKEN');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('tries another subdomain when only the slug is taken', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'None', 'ConditionalCheckFailed', 'None', 'None', 'None'])).resolves({});
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(201);
    expect(bodyOf(res).subdomain).toMatch(/^analytical-engines-ltd-[0-9a-f]{6}\.customers\.stackpro\.test$/);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
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

  describe('email length (RFC 5321 limits)', () => {
    /** An address of exactly `total` characters whose local part is `local` characters long (labels of at most 50). */
    const address = (local: number, total: number) => {
      let domain = 'com';
      while (total - local - 1 - domain.length > 51) domain = `${'d'.repeat(50)}.${domain}`;
      return `${'l'.repeat(local)}@${'d'.repeat(total - local - 2 - domain.length)}.${domain}`;
    };

    it('accepts a 64-character local part in a 254-character address', async () => {
      const email = address(64, 254);
      expect(email).toHaveLength(254);
      const res = await signUp({ ...validBody, email });
      expect(res.statusCode).toBe(201);
    });

    it('refuses a 65-character local part', async () => {
      const res = await signUp({ ...validBody, email: address(65, 80) });
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error.details).toEqual([{ field: 'email', message: 'email local part must be at most 64 characters.' }]);
      expect(ddb.calls()).toHaveLength(0);
    });

    it('refuses a 255-character address', async () => {
      const res = await signUp({ ...validBody, email: address(20, 255) });
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error.details).toEqual([{ field: 'email', message: 'email must be at most 254 characters.' }]);
    });
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
