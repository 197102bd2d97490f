import { slugify } from '../../lambdas/core/slug';
import { call, eventually, newSignup, verificationToken } from './api-client';
import { resend, signUp, status, verify } from './verification-calls';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * Links and pending accounts that expire, each on a stack of its own with short expiry times (split from
 * email-verification.test.ts so its waits run beside the other suites, not after them).
 */
describe('abandoned signups', () => {
  // Own stacks: the clean-up run "8 days later" would remove the shared stack's other pending accounts.
  let stack: LocalStackProcess;

  beforeAll(async () => {
    // Links expire after 5 seconds here (24 hours in production), so a test can watch one expire.
    stack = await startLocalStackProcess({ env: { VERIFICATION_TOKEN_TTL_SECONDS: '5' } });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const runCleanup = async (time: Date) => {
    const res = await fetch(`${stack.edgeUrl}/_sandbox/schedules/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job: 'RemoveAbandonedSignups', time: time.toISOString() }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { result: { removed: number; skipped: number } }).result;
  };

  it('removes an account left unverified for 7 days, freeing its email and subdomain', async () => {
    const company = `Abandoned Works ${Date.now()}`;
    const signup = newSignup({ company });
    const gone = await signUp(signup, stack.apiUrl);
    const kept = await signUp(newSignup(), stack.apiUrl);
    const oldToken = await verificationToken(gone.email, { edge: stack.edgeUrl });
    await verify(await verificationToken(kept.email, { edge: stack.edgeUrl }), stack.apiUrl);

    // Six days and 23 hours later: still there.
    expect((await runCleanup(new Date(Date.now() + 7 * 86_400_000 - 3_600_000))).removed).toBe(0);
    expect((await status(gone, stack.apiUrl)).status).toBe(200);

    expect((await runCleanup(new Date(Date.now() + 7 * 86_400_000 + 60_000))).removed).toBe(1);
    expect((await status(gone, stack.apiUrl)).status).toBe(404);
    expect((await call('POST', '/auth/login', { json: { email: gone.email, password: gone.password }, base: stack.apiUrl })).status).toBe(401);
    expect((await call('POST', '/auth/refresh', { json: { refreshToken: gone.refreshToken }, base: stack.apiUrl })).status).toBe(401);
    expect((await verify(oldToken, stack.apiUrl)).body.error.code).toBe('INVALID_VERIFICATION_TOKEN');
    // The verified account is untouched.
    expect((await status(kept, stack.apiUrl)).status).toBe(200);

    // Email and subdomain are free again.
    const again = await signUp({ ...signup, firstName: 'Grace' }, stack.apiUrl);
    expect(again.customerId).not.toBe(gone.customerId);
    expect(again.subdomain.split('.')[0]).toBe(slugify(company));
  }, 60_000);

  it('refuses an expired link with 400 INVALID_VERIFICATION_TOKEN; a resent one still verifies', async () => {
    // X's link is never used; Y (signed up just after) is verified at once, and its used link, clicked again,
    // answers 200 until it expires: when it turns 400, X's older link has expired too.
    const x = await signUp(newSignup(), stack.apiUrl);
    const y = await signUp(newSignup(), stack.apiUrl);
    const expired = await verificationToken(x.email, { edge: stack.edgeUrl });
    const used = await verificationToken(y.email, { edge: stack.edgeUrl });
    expect((await verify(used, stack.apiUrl)).status).toBe(200);
    await eventually(async () => ((await verify(used, stack.apiUrl)).status === 400 ? true : undefined), 15_000, 'the links to expire');

    const refused = await verify(expired, stack.apiUrl);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_VERIFICATION_TOKEN');
    expect((await status(x, stack.apiUrl)).body.status).toBe('pending_verification');

    expect((await resend(x.accessToken, stack.apiUrl)).status).toBe(202);
    const fresh = await verificationToken(x.email, { edge: stack.edgeUrl, count: 2 });
    expect((await verify(fresh, stack.apiUrl)).body).toEqual({ customerId: x.customerId, status: 'provisioning' });
    expect((await verify(fresh, stack.apiUrl)).status).toBe(200);
  }, 30_000);

  it('refuses a malformed run request on the sandbox control', async () => {
    const res = await fetch(`${stack.edgeUrl}/_sandbox/schedules/run`, { method: 'POST', body: JSON.stringify({ job: 'Nope' }) });
    expect(res.status).toBe(400);
  });
});

describe('an expired pending account, before the clean-up has run', () => {
  let stack: LocalStackProcess;

  beforeAll(async () => {
    // Unverified accounts expire after 4 seconds here, so the test sees expiry without waiting 7 days.
    stack = await startLocalStackProcess({ env: { UNVERIFIED_ACCOUNT_TTL_SECONDS: '4' } });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('gives up its email and subdomain to a new signup', async () => {
    const signup = newSignup({ company: `Expired Pending ${Date.now()}` });
    const first = await signUp(signup, stack.apiUrl);
    const firstToken = await verificationToken(first.email, { edge: stack.edgeUrl });
    // Held while it is pending: a new signup for the same email is refused.
    const early = await call('POST', '/auth/signup', { json: signup, base: stack.apiUrl });
    if (early.status !== 201) expect(early.body.error.code).toBe('EMAIL_TAKEN');

    const second = await eventually(async () => {
      const res = early.status === 201 ? early : await call('POST', '/auth/signup', { json: signup, base: stack.apiUrl });
      return res.status === 201 ? res.body : undefined;
    }, 15_000, 'the expired email to be free');
    expect(second.customerId).not.toBe(first.customerId);
    expect(second.subdomain).toBe(first.subdomain);
    // The old account's link verifies nothing now.
    expect((await verify(firstToken, stack.apiUrl)).body.error.code).toBe('INVALID_VERIFICATION_TOKEN');
    const login = await call('POST', '/auth/login', { json: { email: signup.email, password: signup.password }, base: stack.apiUrl });
    expect(login.body.customerId).toBe(second.customerId);
  }, 60_000);
});
