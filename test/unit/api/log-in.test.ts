import { clearCaches } from '@aws-lambda-powertools/parameters';
import { handler } from '../../../lambdas/api/log-in';
import { InvalidCredentialsError } from '../../../lambdas/core/errors';
import { WINDOW_MS } from '../../../lambdas/core/login-throttle';
import { hashPassword } from '../../../lambdas/core/passwords';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as LoginAttempts from '../../../lambdas/repositories/login-attempts';
import type * as Sessions from '../../../lambdas/repositories/sessions';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

// The counter (at most the budget of a burst, keyed by a hash of the email) and the session that starts only
// if the password checked is still the account's are the repositories': test/unit/repositories/.
const reservePasswordCheck = jest.fn<ReturnType<typeof LoginAttempts.reservePasswordCheck>, Parameters<typeof LoginAttempts.reservePasswordCheck>>();
const clearLoginAttempts = jest.fn<ReturnType<typeof LoginAttempts.clearLoginAttempts>, Parameters<typeof LoginAttempts.clearLoginAttempts>>();
jest.mock('../../../lambdas/repositories/login-attempts', () => ({
  reservePasswordCheck: (...args: Parameters<typeof LoginAttempts.reservePasswordCheck>) => reservePasswordCheck(...args),
  clearLoginAttempts: (...args: Parameters<typeof LoginAttempts.clearLoginAttempts>) => clearLoginAttempts(...args),
}));
const getCredentials = jest.fn<ReturnType<typeof Accounts.getCredentials>, Parameters<typeof Accounts.getCredentials>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCredentials: (...args: Parameters<typeof Accounts.getCredentials>) => getCredentials(...args) }));
const startSession = jest.fn<ReturnType<typeof Sessions.startSession>, Parameters<typeof Sessions.startSession>>();
jest.mock('../../../lambdas/repositories/sessions', () => ({ startSession: (...args: Parameters<typeof Sessions.startSession>) => startSession(...args) }));

const PASSWORD = 'correct horse battery staple';
let passwordHash: string;
const session = { familyId: 'fam-1', refreshToken: 'refresh-1', refreshTokenHash: 'h', expiresAtMs: Date.now() + 60_000, sessionExpiresAtMs: Date.now() + 60_000 };

const logIn = (json: unknown) => handler(apiEvent({ path: '/auth/login', json }), lambdaContext);

beforeAll(async () => {
  await useTestSigningKey();
  passwordHash = await hashPassword(PASSWORD);
});

beforeEach(() => {
  clearCaches();
  for (const mock of [reservePasswordCheck, clearLoginAttempts, getCredentials, startSession]) mock.mockReset();
  // An open window with room: the reservation succeeds at once.
  reservePasswordCheck.mockResolvedValue({ allowed: true, used: 1 });
  getCredentials.mockImplementation(async (email) => (email === 'ada@example.com' ? { customerId: 'cust-1', passwordHash } : undefined));
  startSession.mockResolvedValue(session);
});

describe('POST /auth/login', () => {
  it('answers 200 with a token pair for the right password, matching the email case-insensitively', async () => {
    const res = await logIn({ email: ' ADA@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toMatchObject({ customerId: 'cust-1', expiresIn: 900, tokenType: 'Bearer', refreshToken: 'refresh-1' });
    expect(bodyOf(res).accessToken).toBeDefined();
    // The session starts only if the password checked is still the account's (a reset may race the login).
    expect(startSession).toHaveBeenCalledWith('cust-1', expect.any(Number), { key: { pk: 'EMAIL#ada@example.com', sk: 'CREDENTIALS' }, passwordHash });
    // A success keeps its reservation: the burst that holds the right password still gets the budget only.
    expect(clearLoginAttempts).not.toHaveBeenCalled();
  });

  it('reserves the check for the normalised email BEFORE the credentials are read and the password verified', async () => {
    await logIn({ email: 'ADA@example.com', password: PASSWORD });
    expect(reservePasswordCheck).toHaveBeenCalledWith('ada@example.com', expect.any(Number));
    expect(reservePasswordCheck.mock.invocationCallOrder[0]).toBeLessThan(getCredentials.mock.invocationCallOrder[0]);
  });

  it('answers the same 401 for a wrong password and an unknown email, reserving a check for both', async () => {
    const wrong = await logIn({ email: 'ada@example.com', password: 'not the password' });
    const unknown = await logIn({ email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(bodyOf(wrong).error.code).toBe('INVALID_CREDENTIALS');
    expect(reservePasswordCheck.mock.calls.map(([email]) => email)).toEqual(['ada@example.com', 'nobody@example.com']);
    expect(startSession).not.toHaveBeenCalled();
  });

  it('answers 429 with Retry-After when the window is full, without reading credentials or checking the password', async () => {
    reservePasswordCheck.mockResolvedValue({ allowed: false, retryAfterMs: WINDOW_MS - 60_000 });
    const res = await logIn({ email: 'ada@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(429);
    expect(bodyOf(res).error.code).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = Number(res.headers!['Retry-After']);
    expect(retryAfter).toBeGreaterThan((WINDOW_MS - 60_000) / 1000 - 5);
    expect(retryAfter).toBeLessThanOrEqual((WINDOW_MS - 60_000) / 1000 + 1);
    expect(getCredentials).not.toHaveBeenCalled();
    expect(startSession).not.toHaveBeenCalled();
  });

  it('answers 401 when the password was reset between the check and the session start', async () => {
    startSession.mockRejectedValue(new InvalidCredentialsError());
    const res = await logIn({ email: 'ada@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toBe('INVALID_CREDENTIALS');
    expect(bodyOf(res)).not.toHaveProperty('accessToken');
  });

  it('refuses a missing password with VALIDATION_FAILED, reserving nothing', async () => {
    const res = await logIn({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'password', message: 'password is required.' }]);
    expect(reservePasswordCheck).not.toHaveBeenCalled();
  });
});
