import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as confirmHandler } from '../../../lambdas/api/confirm-password-reset';
import { handler as requestHandler } from '../../../lambdas/api/request-password-reset';
import { InvalidResetTokenError, ServiceUnavailableError } from '../../../lambdas/core/errors';
import { MIN_RESET_REQUEST_MS, RESET_TOKEN_TTL_MS, hashResetToken } from '../../../lambdas/core/password-reset';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as PasswordResets from '../../../lambdas/repositories/password-resets';
import type * as Sessions from '../../../lambdas/repositories/sessions';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// What these calls write (token by hash with a TTL, one-time use under a burst, the budget, the
// all-or-nothing confirm transaction, session revocation) is the repositories' (test/unit/repositories/).
const getCredentials = jest.fn<ReturnType<typeof Accounts.getCredentials>, Parameters<typeof Accounts.getCredentials>>();
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({
  getCredentials: (...args: Parameters<typeof Accounts.getCredentials>) => getCredentials(...args),
  getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args),
}));
const reserveResetEmail = jest.fn<ReturnType<typeof PasswordResets.reserveResetEmail>, Parameters<typeof PasswordResets.reserveResetEmail>>();
const storeResetToken = jest.fn<ReturnType<typeof PasswordResets.storeResetToken>, Parameters<typeof PasswordResets.storeResetToken>>();
const deleteResetToken = jest.fn<ReturnType<typeof PasswordResets.deleteResetToken>, Parameters<typeof PasswordResets.deleteResetToken>>();
const findUsableResetToken = jest.fn<ReturnType<typeof PasswordResets.findUsableResetToken>, Parameters<typeof PasswordResets.findUsableResetToken>>();
const resetPasswordWithToken = jest.fn<ReturnType<typeof PasswordResets.resetPasswordWithToken>, Parameters<typeof PasswordResets.resetPasswordWithToken>>();
jest.mock('../../../lambdas/repositories/password-resets', () => ({
  reserveResetEmail: (...args: Parameters<typeof PasswordResets.reserveResetEmail>) => reserveResetEmail(...args),
  storeResetToken: (...args: Parameters<typeof PasswordResets.storeResetToken>) => storeResetToken(...args),
  deleteResetToken: (...args: Parameters<typeof PasswordResets.deleteResetToken>) => deleteResetToken(...args),
  findUsableResetToken: (...args: Parameters<typeof PasswordResets.findUsableResetToken>) => findUsableResetToken(...args),
  resetPasswordWithToken: (...args: Parameters<typeof PasswordResets.resetPasswordWithToken>) => resetPasswordWithToken(...args),
}));
const revokeAllSessions = jest.fn<ReturnType<typeof Sessions.revokeAllSessions>, Parameters<typeof Sessions.revokeAllSessions>>();
jest.mock('../../../lambdas/repositories/sessions', () => ({
  revokeAllSessions: (...args: Parameters<typeof Sessions.revokeAllSessions>) => revokeAllSessions(...args),
}));

const ses = mockClient(SESv2Client);
const NEW_PASSWORD = 'a brand new passphrase';
const TOKEN = 'reset-token-from-the-email';
const usable = () => ({ customerId: 'cust-1', issuedAt: Date.now() - 60_000, expiresAt: Date.now() + RESET_TOKEN_TTL_MS - 60_000 });

const requestReset = (json: unknown) => requestHandler(apiEvent({ path: '/auth/password-reset', json }), lambdaContext);
const confirmReset = (json: unknown) => confirmHandler(apiEvent({ path: '/auth/password-reset/confirm', json }), lambdaContext);

beforeEach(() => {
  ses.reset();
  for (const mock of [getCredentials, getCustomer, reserveResetEmail, storeResetToken, deleteResetToken, findUsableResetToken, resetPasswordWithToken, revokeAllSessions]) mock.mockReset();
  getCredentials.mockImplementation(async (email) => (email === 'ada@example.com' ? { customerId: 'cust-1', passwordHash: 'old' } : undefined));
  getCustomer.mockResolvedValue({ customerId: 'cust-1', email: 'ada@example.com', firstName: '<b>Click here</b>', company: 'Evil Corp http://phish.example' } as never);
  reserveResetEmail.mockResolvedValue({ allowed: true, used: 1 });
  storeResetToken.mockResolvedValue(undefined);
  deleteResetToken.mockResolvedValue(undefined);
  findUsableResetToken.mockImplementation(async () => usable());
  resetPasswordWithToken.mockResolvedValue(undefined);
  revokeAllSessions.mockResolvedValue(2);
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

    expect(getCredentials).toHaveBeenCalledWith('ada@example.com');
    expect(reserveResetEmail).toHaveBeenCalledWith('cust-1', expect.any(Number));
    expect(storeResetToken).toHaveBeenCalledWith(hashResetToken(token), 'cust-1', expect.any(Number));
    expect(JSON.stringify(storeResetToken.mock.calls)).not.toContain(token);
    expect(deleteResetToken).not.toHaveBeenCalled();
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
    storeResetToken.mockClear();
    reserveResetEmail.mockClear();
    const unknown = await requestReset({ email: 'nobody@example.com' });
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(reserveResetEmail).not.toHaveBeenCalled();
    expect(storeResetToken).not.toHaveBeenCalled();
  });

  it('takes at least the same minimum time whether or not the email has an account', async () => {
    for (const email of ['ada@example.com', 'nobody@example.com']) {
      const started = Date.now();
      await requestReset({ email });
      expect(Date.now() - started).toBeGreaterThanOrEqual(MIN_RESET_REQUEST_MS - 5);
    }
  });

  it('drops the email silently (still 202) once the account had its reset emails for the hour', async () => {
    reserveResetEmail.mockResolvedValue({ allowed: false, retryAfterMs: 1000 });
    const res = await requestReset({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(202);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(storeResetToken).not.toHaveBeenCalled();
  });

  it('still answers 202 when SES fails, and removes the token nobody received', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    const res = await requestReset({ email: 'ada@example.com' });
    expect(res.statusCode).toBe(202);
    const [[storedHash]] = storeResetToken.mock.calls;
    expect(deleteResetToken).toHaveBeenCalledWith(storedHash);
  });

  it('refuses a malformed email with VALIDATION_FAILED (which reveals nothing about accounts)', async () => {
    const res = await requestReset({ email: 'not-an-email' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'email', message: 'email is not a valid address.' }]);
    expect(getCredentials).not.toHaveBeenCalled();
  });
});

describe('POST /auth/password-reset/confirm', () => {
  it("sets the new password with the token (one repository transaction), revoking every session before and after", async () => {
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(204);

    expect(findUsableResetToken).toHaveBeenCalledWith(hashResetToken(TOKEN), expect.any(Number));
    expect(resetPasswordWithToken).toHaveBeenCalledTimes(1);
    const [tokenHash, record, email, passwordHash] = resetPasswordWithToken.mock.calls[0];
    expect({ tokenHash, record, email }).toEqual({ tokenHash: hashResetToken(TOKEN), record: expect.objectContaining({ customerId: 'cust-1' }), email: 'ada@example.com' });
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(resetPasswordWithToken.mock.calls)).not.toContain(NEW_PASSWORD);

    // Sessions are revoked before the transaction too, so a crash right after it leaves none alive.
    expect(revokeAllSessions.mock.calls.map(([customerId]) => customerId)).toEqual(['cust-1', 'cust-1']);
    const [before, after] = revokeAllSessions.mock.invocationCallOrder;
    const [commit] = resetPasswordWithToken.mock.invocationCallOrder;
    expect(before).toBeLessThan(commit);
    expect(after).toBeGreaterThan(commit);
  });

  it('answers 400 INVALID_RESET_TOKEN for an unusable token (unknown, used or expired), changing nothing', async () => {
    findUsableResetToken.mockResolvedValue(undefined);
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_RESET_TOKEN');
    expect(resetPasswordWithToken).not.toHaveBeenCalled();
    expect(revokeAllSessions).not.toHaveBeenCalled();
  });

  it('answers 400 INVALID_RESET_TOKEN for a token whose account is gone', async () => {
    getCustomer.mockResolvedValue(undefined);
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(bodyOf(res).error.code).toBe('INVALID_RESET_TOKEN');
    expect(resetPasswordWithToken).not.toHaveBeenCalled();
    expect(revokeAllSessions).not.toHaveBeenCalled();
  });

  it('answers 400 when another confirm spent the token first (or the password changed since the link was sent)', async () => {
    resetPasswordWithToken.mockRejectedValue(new InvalidResetTokenError());
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_RESET_TOKEN');
    expect(revokeAllSessions).toHaveBeenCalledTimes(1);
  });

  it('answers 503 with Retry-After when concurrent confirms kept colliding (nothing was written)', async () => {
    resetPasswordWithToken.mockRejectedValue(new ServiceUnavailableError(1));
    const res = await confirmReset({ token: TOKEN, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'Retry-After': '1' });
  });

  it('applies the signup password rules', async () => {
    const res = await confirmReset({ token: TOKEN, password: 'short' });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'password', message: 'password must be at least 12 characters.' }]);
    expect(findUsableResetToken).not.toHaveBeenCalled();
  });
});
