import { call, eventually, newSignup, signUpVerified, type ApiResponse } from './api-client';
import { sharedLocalStack } from './local-stack-process';

/**
 * Sessions and account recovery on the real local stack: the login budget under a burst, logout,
 * logout-all, and password reset end to end (the email read from the sandbox's SES outbox).
 */
const { edgeUrl } = sharedLocalStack();
const FRONTEND_ORIGIN = 'http://localhost:5173';
const RESET_SUBJECT = 'Reset your StackPro password';

interface OutboxEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

async function resetEmailsTo(address: string): Promise<OutboxEmail[]> {
  const res = await fetch(`${edgeUrl}/_sandbox/outbox`);
  const { emails } = (await res.json()) as { emails: OutboxEmail[] };
  return emails.filter((email) => email.to.includes(address.toLowerCase()) && email.subject === RESET_SUBJECT);
}

/** Asks for a reset and returns the token from the email that arrives (the newest one for the address). */
async function resetToken(address: string): Promise<string> {
  const before = (await resetEmailsTo(address)).length;
  const res = await call('POST', '/auth/password-reset', { json: { email: address } });
  expect(res.status).toBe(202);
  const emails = await eventually(async () => {
    const all = await resetEmailsTo(address);
    return all.length > before ? all : undefined;
  }, 10_000, 'the reset email');
  const text = emails.at(-1)!.text!;
  return /reset-password\?token=([\w-]+)/.exec(text)![1];
}

const logIn = (email: string, password: string) => call('POST', '/auth/login', { json: { email, password } });
const refresh = (refreshToken: string) => call('POST', '/auth/refresh', { json: { refreshToken } });
const statuses = (responses: readonly ApiResponse[]) => responses.map((res) => res.status);
const count = (responses: readonly ApiResponse[], status: number) => responses.filter((res) => res.status === status).length;

describe('login budget under concurrency', () => {
  it('50 concurrent wrong passwords plus the right one: at most 10 password checks, the rest 429', async () => {
    const signup = newSignup();
    await signUpVerified(signup);
    const rightAt = 25;
    const burst = await Promise.all(
      Array.from({ length: 51 }, (_, i) => logIn(signup.email, i === rightAt ? signup.password : `wrong password ${i}`)),
    );
    for (const res of burst) expect([200, 401, 429]).toContain(res.status);
    expect(count(burst, 401)).toBeLessThanOrEqual(10);
    // Every check is counted, the successful one included: 10 checks in all, never more.
    expect(count(burst, 401) + count(burst, 200)).toBeLessThanOrEqual(10);
    expect(count(burst, 429)).toBeGreaterThanOrEqual(41);
    // The right password is never "wrong": it either came within the ten and logged in, or was refused.
    expect([200, 429]).toContain(burst[rightAt].status);
    for (const refused of burst.filter((res) => res.status === 429)) {
      expect(refused.body.error.code).toBe('TOO_MANY_ATTEMPTS');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    }
    // After the tenth check, the right password is refused too.
    const after = await logIn(signup.email, signup.password);
    expect(after.status).toBe(429);
  });

  it('treats an unknown email the same way: at most 10 401s, the same bodies', async () => {
    const ghost = `ghost-${process.pid}-${Date.now()}@example.com`;
    const burst = await Promise.all(Array.from({ length: 30 }, () => logIn(ghost, 'wrong password!')));
    expect(count(burst, 401)).toBe(10);
    expect(count(burst, 429)).toBe(20);
    expect(new Set(burst.filter((res) => res.status === 401).map((res) => res.text)).size).toBe(1);
  });
});

describe('logout', () => {
  it('ends only the session of the presented refresh token', async () => {
    const signup = newSignup();
    const created = await signUpVerified(signup);
    const other = await logIn(signup.email, signup.password);

    const out = await call('POST', '/auth/logout', { json: { refreshToken: created.body.refreshToken } });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    expect((await refresh(created.body.refreshToken)).status).toBe(401);
    // The other session lives on.
    expect((await refresh(other.body.refreshToken)).status).toBe(200);
  });

  it('ends the session from a spent token of it too, and answers an unknown or repeated logout with the same 204', async () => {
    const created = await signUpVerified();
    const next = await refresh(created.body.refreshToken);
    expect((await call('POST', '/auth/logout', { json: { refreshToken: created.body.refreshToken } })).status).toBe(204);
    expect((await refresh(next.body.refreshToken)).status).toBe(401);

    const again = await call('POST', '/auth/logout', { json: { refreshToken: created.body.refreshToken } });
    const unknown = await call('POST', '/auth/logout', { json: { refreshToken: 'never-issued-token' } });
    expect([again.status, unknown.status]).toEqual([204, 204]);
    expect(again.text).toBe(unknown.text);
  });

  it('refuses a malformed body with 400, never a 5xx', async () => {
    const res = await call('POST', '/auth/logout', { json: { refreshToken: 42 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'refreshToken', message: 'refreshToken must be a string.' }]);
  });
});

describe('logout-all', () => {
  it("ends every session of the caller's account and nobody else's", async () => {
    const signup = newSignup();
    const created = await signUpVerified(signup);
    const sessions = [created.body, (await logIn(signup.email, signup.password)).body, (await logIn(signup.email, signup.password)).body];
    const otherCustomer = await signUpVerified();

    // A burst of logout-alls is as good as one.
    const outs = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/auth/logout-all', { token: created.body.accessToken })));
    expect(statuses(outs)).toEqual(outs.map(() => 204));
    for (const session of sessions) expect((await refresh(session.refreshToken)).status).toBe(401);
    expect((await refresh(otherCustomer.body.refreshToken)).status).toBe(200);
    // A new login afterwards is a new session.
    expect((await refresh((await logIn(signup.email, signup.password)).body.refreshToken)).status).toBe(200);
  });

  it('needs a valid access token', async () => {
    const res = await call('POST', '/auth/logout-all', { token: 'not-a-jwt' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('password reset', () => {
  it('emails a link, sets the new password, signs out every session and clears the lockout', async () => {
    const signup = newSignup({ firstName: 'Mallory <a href="http://phish.example">', company: 'Pay here http://phish.example' });
    const created = await signUpVerified(signup);
    for (let i = 0; i < 10; i++) await logIn(signup.email, `wrong password ${i}`);
    expect((await logIn(signup.email, signup.password)).status).toBe(429);

    const token = await resetToken(signup.email);
    const [email] = (await resetEmailsTo(signup.email)).slice(-1);
    expect(email.text).toContain(`${FRONTEND_ORIGIN}/reset-password?token=${token}`);
    expect(email.html).toContain(`href="${FRONTEND_ORIGIN}/reset-password?token=${token}"`);
    expect(`${email.subject}${email.text}${email.html}`).not.toMatch(/Mallory|phish|Pay here/);

    const newPassword = 'a completely new passphrase';
    const done = await call('POST', '/auth/password-reset/confirm', { json: { token, password: newPassword } });
    expect(done.status).toBe(204);
    expect((await refresh(created.body.refreshToken)).status).toBe(401);
    expect((await logIn(signup.email, signup.password)).status).toBe(401);
    expect((await logIn(signup.email, newPassword)).status).toBe(200);

    const reused = await call('POST', '/auth/password-reset/confirm', { json: { token, password: 'yet another passphrase' } });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('INVALID_RESET_TOKEN');
  });

  it('lets exactly one of 50 concurrent confirms with one token succeed', async () => {
    const signup = newSignup();
    await signUpVerified(signup);
    const token = await resetToken(signup.email);
    const newPassword = 'the one winning passphrase';
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call('POST', '/auth/password-reset/confirm', { json: { token, password: newPassword } })),
    );
    expect(count(results, 204)).toBe(1);
    expect(count(results, 400)).toBe(49);
    for (const loser of results.filter((res) => res.status === 400)) expect(loser.body.error.code).toBe('INVALID_RESET_TOKEN');
    expect((await logIn(signup.email, newPassword)).status).toBe(200);
  });

  it('answers an unknown email exactly as a real one, and sends nothing', async () => {
    const real = newSignup();
    await signUpVerified(real);
    const ghost = `ghost-${process.pid}-${Date.now()}@example.com`;
    const forReal = await call('POST', '/auth/password-reset', { json: { email: real.email } });
    const forGhost = await call('POST', '/auth/password-reset', { json: { email: ghost } });
    expect([forReal.status, forGhost.status]).toEqual([202, 202]);
    expect(forGhost.text).toBe(forReal.text);
    await eventually(async () => ((await resetEmailsTo(real.email)).length === 1 ? true : undefined), 10_000, 'the real reset email');
    expect(await resetEmailsTo(ghost)).toEqual([]);
  });

  it('sends one account at most 3 reset emails an hour, still answering 202', async () => {
    const signup = newSignup();
    await signUpVerified(signup);
    const results = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/auth/password-reset', { json: { email: signup.email } })));
    expect(statuses(results)).toEqual(results.map(() => 202));
    await eventually(async () => ((await resetEmailsTo(signup.email)).length >= 3 ? true : undefined), 10_000, 'three reset emails');
    expect((await call('POST', '/auth/password-reset', { json: { email: signup.email } })).status).toBe(202);
    expect(await resetEmailsTo(signup.email)).toHaveLength(3);
  });

  it('refuses a link older than the last password change, bad tokens and weak passwords with 400', async () => {
    const signup = newSignup();
    await signUpVerified(signup);
    const older = await resetToken(signup.email);
    const newer = await resetToken(signup.email);
    expect((await call('POST', '/auth/password-reset/confirm', { json: { token: newer, password: 'the newer passphrase' } })).status).toBe(204);
    const stale = await call('POST', '/auth/password-reset/confirm', { json: { token: older, password: 'the older passphrase' } });
    expect(stale.status).toBe(400);
    expect(stale.body.error.code).toBe('INVALID_RESET_TOKEN');

    const forged = await call('POST', '/auth/password-reset/confirm', { json: { token: 'not-a-token', password: 'any long passphrase' } });
    expect(forged.body.error.code).toBe('INVALID_RESET_TOKEN');
    const weak = await call('POST', '/auth/password-reset/confirm', { json: { token: 'not-a-token', password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('VALIDATION_FAILED');
    const badEmail = await call('POST', '/auth/password-reset', { json: { email: 'nope', extra: true } });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'extra']);
  });
});
