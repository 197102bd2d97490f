import { createHash } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/sign-up';
import { EmailTakenError } from '../../../lambdas/core/errors';
import { type createAccount as CreateAccount, SlugTakenError } from '../../../lambdas/repositories/accounts';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

// What createAccount writes, in one transaction, is the accounts repository's (test/unit/repositories/accounts.test.ts).
const createAccount = jest.fn<ReturnType<typeof CreateAccount>, Parameters<typeof CreateAccount>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({
  ...jest.requireActual('../../../lambdas/repositories/accounts'),
  createAccount: (...args: Parameters<typeof CreateAccount>) => createAccount(...args),
}));
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

beforeAll(async () => {
  await useTestSigningKey();
});

beforeEach(() => {
  createAccount.mockReset().mockResolvedValue(undefined);
  sfn.reset();
  ses.reset();
  clearCaches();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

describe('POST /auth/signup', () => {
  it('creates the account pending verification (one createAccount), provisions nothing and answers 201 with tokens', async () => {
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

    expect(createAccount).toHaveBeenCalledTimes(1);
    const [customer, passwordHash, slug, session, pending] = createAccount.mock.calls[0];
    expect(customer).toEqual({
      customerId: body.customerId,
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      plan: 'business',
      status: 'pending_verification',
      subdomain: 'analytical-engines-ltd.customers.stackpro.test',
      createdAt: expect.any(String),
      provisioningExecutionName: expect.stringContaining(body.customerId),
    });
    expect(slug).toBe('analytical-engines-ltd');
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    // The refresh token the client got is the session's, which the repository stores by its hash only.
    expect(session.refreshToken).toBe(body.refreshToken);
    const pendingDays = (pending.pendingExpiresAt - Date.now()) / 86_400_000;
    expect(pendingDays).toBeGreaterThan(6.99);
    expect(pendingDays).toBeLessThanOrEqual(7);
    const tokenHours = (pending.verificationToken.expiresAt - Date.now()) / 3_600_000;
    expect(tokenHours).toBeGreaterThan(23.99);
    expect(tokenHours).toBeLessThanOrEqual(24);
    expect(JSON.stringify(createAccount.mock.calls[0])).not.toContain(validBody.password);

    // Nothing provisioned or billed yet; one verification email, with the token whose hash was stored.
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const [send] = ses.commandCalls(SendEmailCommand);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(send.args[0].input.FromEmailAddress).toBe('welcome@stackpro.test');
    expect(send.args[0].input.Destination!.ToAddresses).toEqual(['ada@example.com']);
    const text = send.args[0].input.Content!.Simple!.Body!.Text!.Data!;
    const sent = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)![1];
    expect(pending.verificationToken.hash).toBe(createHash('sha256').update(sent).digest('base64url'));
    expect(JSON.stringify(createAccount.mock.calls[0])).not.toContain(sent);
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

  it('answers 409 EMAIL_TAKEN when the email is taken, and sends no email', async () => {
    createAccount.mockRejectedValue(new EmailTakenError());
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('EMAIL_TAKEN');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('tries another subdomain when only the slug is taken', async () => {
    createAccount.mockRejectedValueOnce(new SlugTakenError('taken'));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(201);
    expect(bodyOf(res).subdomain).toMatch(/^analytical-engines-ltd-[0-9a-f]{6}\.customers\.stackpro\.test$/);
    expect(createAccount.mock.calls.map(([customer, , slug]) => [customer.customerId, slug])).toEqual([
      [bodyOf(res).customerId, 'analytical-engines-ltd'],
      [bodyOf(res).customerId, bodyOf(res).subdomain.split('.')[0]],
    ]);
  });

  it.each([
    ['malformed JSON', { body: '{"firstName":' }, 400, 'INVALID_JSON'],
    ['an empty body', { body: null }, 400, 'INVALID_JSON'],
    ['a body over 64 KB', { body: JSON.stringify({ ...validBody, company: 'x'.repeat(70_000) }) }, 413, 'PAYLOAD_TOO_LARGE'],
    ['a non-JSON content type', { headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(validBody) }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('refuses %s without creating an account', async (_label, extra, status, code) => {
    const res = await handler(apiEvent({ path: '/auth/signup', ...extra }), lambdaContext);
    expect(res.statusCode).toBe(status);
    expect(bodyOf(res).error.code).toBe(code);
    expect(createAccount).not.toHaveBeenCalled();
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
    expect(createAccount).not.toHaveBeenCalled();
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
      expect(createAccount).not.toHaveBeenCalled();
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
    createAccount.mockRejectedValue(new Error('secret internal detail at /var/task/index.js'));
    const res = await signUp(validBody);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret internal detail');
    expect(bodyOf(res).error.code).toBe('INTERNAL_ERROR');
  });
});
