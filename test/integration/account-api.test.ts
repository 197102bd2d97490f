import { slugify } from '../../lambdas/core/slug';
import { apiBase, call, eventually, newSignup, verificationToken } from './api-client';

/**
 * The account API end to end, over HTTP, against the real local stack (DynamoDB Local, the Step Functions
 * runner, the same handlers and authorizer that API Gateway runs).
 */
describe('account API on the local stack', () => {
  describe('signup', () => {
    it('creates an account pending verification, returns tokens at once, and provisions nothing until the email is verified', async () => {
      const signup = newSignup({ plan: 'enterprise', email: `  MiXeD.${Date.now()}@Example.com ` });
      const res = await call('POST', '/auth/signup', { json: signup });

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'pending_verification', plan: 'enterprise', trialEndsAt: null, tokenType: 'Bearer', expiresIn: 900 });
      expect(res.body.subdomain).toMatch(/^analytical-engines-[a-z0-9-]+\.customers\.stackpro\.localhost$/);
      expect(res.body.statusUrl).toBe(`${apiBase()}/customers/${res.body.customerId}/status`);
      expect(res.headers.get('location')).toBe(res.body.statusUrl);
      const statusPath = new URL(res.body.statusUrl).pathname;
      const pending = await call('GET', statusPath, { token: res.body.accessToken });
      expect(pending.body).toMatchObject({ status: 'pending_verification', trialEndsAt: null, provisioning: { steps: [] } });

      // Verified: the trial starts now, and the execution runs its first step.
      const verified = await call('POST', '/auth/verify-email', { json: { token: await verificationToken(signup.email) } });
      expect(verified.status).toBe(200);
      const status = await eventually(async () => {
        const s = await call('GET', statusPath, { token: res.body.accessToken });
        return s.body?.provisioning?.steps?.length ? s : undefined;
      }, 15_000, 'the first provisioning step');
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ customerId: res.body.customerId, plan: 'enterprise', subdomain: res.body.subdomain });
      expect(['provisioning', 'active']).toContain(status.body.status);
      const trialMs = Date.parse(status.body.trialEndsAt) - Date.now();
      expect(trialMs).toBeGreaterThan(7 * 86_400_000 - 60_000);
      expect(trialMs).toBeLessThanOrEqual(7 * 86_400_000);
      expect(status.body.provisioning.executionName).toMatch(new RegExp(`^analytical-engines-.*-${res.body.customerId}$`));
      expect(status.body.provisioning.steps[0]).toMatchObject({ name: 'Start provisioning', status: 'succeeded' });
    });

    it('refuses a second account for the same email, compared case-insensitively after trimming', async () => {
      const signup = newSignup();
      expect((await call('POST', '/auth/signup', { json: signup })).status).toBe(201);
      const again = await call('POST', '/auth/signup', {
        json: { ...signup, email: ` ${signup.email.toUpperCase()} `, company: 'Someone Else' },
      });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'EMAIL_TAKEN', details: [{ field: 'email' }] });
    });

    it('gives two companies with the same name different subdomains', async () => {
      const company = `Twin Co ${Date.now()}`;
      const a = await call('POST', '/auth/signup', { json: newSignup({ company }) });
      const b = await call('POST', '/auth/signup', { json: newSignup({ company }) });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(a.body.subdomain).not.toBe(b.body.subdomain);
    });

    it('lets exactly one of 50 concurrent signups for one email win, leaving no half-written account', async () => {
      const email = `race-${Date.now()}@example.com`;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call('POST', '/auth/signup', { json: newSignup({ email, company: `Racer ${i} ${email}`, password: `password-number-${i}` }) }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);

      // The winner's password is the one that works, and its account is whole.
      const winnerIndex = statuses.indexOf(201);
      const login = await call('POST', '/auth/login', { json: { email, password: `password-number-${winnerIndex}` } });
      expect(login.status).toBe(200);
      expect(login.body.customerId).toBe(results[winnerIndex].body.customerId);
      const status = await call('GET', `/customers/${login.body.customerId}/status`, { token: login.body.accessToken });
      expect(status.body.company).toBe(`Racer ${winnerIndex} ${email}`);
      // A loser's subdomain was never reserved: signing up that company now gets the plain slug.
      const loserIndex = winnerIndex === 0 ? 1 : 0;
      const loserCompany = await call('POST', '/auth/signup', { json: newSignup({ company: `Racer ${loserIndex} ${email}` }) });
      expect(loserCompany.body.subdomain.split('.')[0]).toBe(slugify(`Racer ${loserIndex} ${email}`));
    }, 60_000);
  });

  describe('bad input', () => {
    it.each([
      ['malformed JSON', { body: '{"email": ' }, 400, 'INVALID_JSON'],
      ['a JSON array', { body: '[1,2]' }, 400, 'VALIDATION_FAILED'],
      ['a non-JSON content type', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a body over 64 KB', { body: JSON.stringify({ ...newSignup(), company: 'x'.repeat(66_000) }) }, 413, 'PAYLOAD_TOO_LARGE'],
    ])('answers %s with the documented error', async (_label, options, status, code) => {
      const res = await call('POST', '/auth/signup', options);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
    });

    it('names each invalid, missing or unknown field', async () => {
      const res = await call('POST', '/auth/signup', {
        json: { firstName: 'f'.repeat(101), lastName: 7, email: 'nope', company: 'c'.repeat(256), password: 'x'.repeat(11), plan: 'gold', role: 'admin' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
      expect(fields).toEqual(['company', 'email', 'firstName', 'lastName', 'password', 'plan', 'role']);

      const missing = await call('POST', '/auth/signup', { json: {} });
      expect(missing.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(
        ['company', 'email', 'firstName', 'lastName', 'password', 'plan'],
      );
      const tooLong = await call('POST', '/auth/signup', { json: newSignup({ password: 'p'.repeat(257) }) });
      expect(tooLong.body.error.details).toEqual([{ field: 'password', message: 'password must be at most 256 characters.' }]);
    });

    it('answers an unknown route with 404 and a wrong method with 405', async () => {
      const unknown = await call('GET', '/nope');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
      const wrongMethod = await call('GET', '/auth/signup');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.body.error.code).toBe('METHOD_NOT_ALLOWED');
    });

    it('never answers a client mistake with a 500 or a stack trace', async () => {
      const probes = await Promise.all([
        call('POST', '/auth/login', { body: 'null' }),
        call('POST', '/auth/login', { json: { email: ['a'], password: { $ne: 1 } } }),
        call('POST', '/auth/refresh', { json: { refreshToken: 'x'.repeat(600) } }),
        call('POST', '/auth/refresh', { body: '"just a string"' }),
        call('GET', '/customers/%00%ff/status', { token: 'abc' }),
        call('POST', '/auth/signup', { body: '\u0000\u0001' }),
      ]);
      for (const res of probes) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.text).not.toMatch(/at .+\.(ts|js):\d+/);
        expect(res.body.error.code).toMatch(/^[A-Z_]+$/);
      }
    });
  });

  describe('login', () => {
    it('returns tokens for the right password and the same 401 for a wrong password or unknown email', async () => {
      const signup = newSignup();
      const created = await call('POST', '/auth/signup', { json: signup });

      const ok = await call('POST', '/auth/login', { json: { email: signup.email.toUpperCase(), password: signup.password } });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ customerId: created.body.customerId, expiresIn: 900 });
      expect(ok.body.accessToken).toBeDefined();
      expect(ok.body.refreshToken).toBeDefined();

      const wrong = await call('POST', '/auth/login', { json: { email: signup.email, password: 'wrong password!' } });
      const unknown = await call('POST', '/auth/login', { json: { email: `ghost-${Date.now()}@example.com`, password: 'wrong password!' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.text).toBe(unknown.text);
      expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    });

    it('locks an email after 10 failures in 15 minutes, even for the right password', async () => {
      const signup = newSignup();
      await call('POST', '/auth/signup', { json: signup });
      for (let i = 0; i < 10; i++) {
        const res = await call('POST', '/auth/login', { json: { email: signup.email, password: `wrong password ${i}` } });
        expect(res.status).toBe(401);
      }
      const locked = await call('POST', '/auth/login', { json: { email: signup.email, password: signup.password } });
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe('TOO_MANY_ATTEMPTS');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);

      // Another email is not affected.
      const other = newSignup();
      await call('POST', '/auth/signup', { json: other });
      expect((await call('POST', '/auth/login', { json: { email: other.email, password: other.password } })).status).toBe(200);
    });
  });

  describe('refresh', () => {
    it('rotates the refresh token; presenting a spent one revokes the whole family', async () => {
      const created = await call('POST', '/auth/signup', { json: newSignup() });
      const first = created.body.refreshToken;

      const second = await call('POST', '/auth/refresh', { json: { refreshToken: first } });
      expect(second.status).toBe(200);
      expect(second.body.refreshToken).not.toBe(first);
      expect(second.body.customerId).toBe(created.body.customerId);
      const status = await call('GET', `/customers/${created.body.customerId}/status`, { token: second.body.accessToken });
      expect(status.status).toBe(200);

      const reused = await call('POST', '/auth/refresh', { json: { refreshToken: first } });
      expect(reused.status).toBe(401);
      expect(reused.body.error.code).toBe('INVALID_REFRESH_TOKEN');
      // The family is revoked: the token issued from `first` no longer works either.
      const afterRevocation = await call('POST', '/auth/refresh', { json: { refreshToken: second.body.refreshToken } });
      expect(afterRevocation.status).toBe(401);
    });

    it('lets only one of several concurrent refreshes with the same token succeed', async () => {
      const created = await call('POST', '/auth/signup', { json: newSignup() });
      const results = await Promise.all(
        Array.from({ length: 5 }, () => call('POST', '/auth/refresh', { json: { refreshToken: created.body.refreshToken } })),
      );
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(4);
    });
  });

  describe('status and tokens', () => {
    it('refuses a missing, malformed or forged token with 401 UNAUTHORIZED', async () => {
      const created = await call('POST', '/auth/signup', { json: newSignup() });
      const path = `/customers/${created.body.customerId}/status`;
      const [header, payload] = created.body.accessToken.split('.');
      const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url');
      const forged = `${header}.${forgedPayload}.${created.body.accessToken.split('.')[2]}`;

      for (const token of [undefined, 'garbage', forged, created.body.refreshToken]) {
        const res = await call('GET', path, { token });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
    });

    it("answers 404 for another customer's status, exactly as for an id that does not exist", async () => {
      const alice = await call('POST', '/auth/signup', { json: newSignup() });
      const bob = await call('POST', '/auth/signup', { json: newSignup() });
      const peek = await call('GET', `/customers/${bob.body.customerId}/status`, { token: alice.body.accessToken });
      const ghost = await call('GET', '/customers/00000000-0000-4000-8000-000000000000/status', { token: alice.body.accessToken });
      expect(peek.status).toBe(404);
      expect(peek.body.error.code).toBe('NOT_FOUND');
      expect(peek.text).toBe(ghost.text);
    });
  });
});
