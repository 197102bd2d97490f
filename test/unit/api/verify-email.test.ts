import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/verify-email';
import type { Customer } from '../../../lambdas/core/customer';
import { hashVerificationToken } from '../../../lambdas/core/verification';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as VerificationTokens from '../../../lambdas/repositories/verification-tokens';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// The verification transaction (one winner of a burst, all-or-nothing, undo) is the repository's:
// test/unit/repositories/verification-tokens.test.ts.
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const getVerificationToken = jest.fn<ReturnType<typeof VerificationTokens.getVerificationToken>, Parameters<typeof VerificationTokens.getVerificationToken>>();
const markVerified = jest.fn<ReturnType<typeof VerificationTokens.markVerified>, Parameters<typeof VerificationTokens.markVerified>>();
const undoVerification = jest.fn<ReturnType<typeof VerificationTokens.undoVerification>, Parameters<typeof VerificationTokens.undoVerification>>();
const markProvisioningStarted = jest.fn<ReturnType<typeof VerificationTokens.markProvisioningStarted>, Parameters<typeof VerificationTokens.markProvisioningStarted>>();
jest.mock('../../../lambdas/repositories/verification-tokens', () => ({
  getVerificationToken: (...args: Parameters<typeof VerificationTokens.getVerificationToken>) => getVerificationToken(...args),
  markVerified: (...args: Parameters<typeof VerificationTokens.markVerified>) => markVerified(...args),
  undoVerification: (...args: Parameters<typeof VerificationTokens.undoVerification>) => undoVerification(...args),
  markProvisioningStarted: (...args: Parameters<typeof VerificationTokens.markProvisioningStarted>) => markProvisioningStarted(...args),
}));
const sfn = mockClient(SFNClient);

const TOKEN = 'k'.repeat(43);
const TOKEN_HASH = hashVerificationToken(TOKEN);
const NOW = Date.now();
const pending = {
  customerId: 'cust-a',
  email: 'ada@example.com',
  company: 'Analytical Engines',
  plan: 'starter',
  status: 'pending_verification',
  subdomain: 'analytical-engines.customers.stackpro.test',
  provisioningExecutionName: 'analytical-engines-cust-a',
  pendingExpiresAt: NOW + 6 * 86_400_000,
} as Customer;
const tokenRecord = { customerId: 'cust-a', expiresAt: NOW + 3_600_000 };

const verify = (json: unknown) => handler(apiEvent({ path: '/auth/verify-email', json }), lambdaContext);

/** The token's record, then the profile as each consistent read finds it. */
function given(token: VerificationTokens.VerificationTokenRecord | undefined, ...profiles: Customer[]) {
  getVerificationToken.mockResolvedValue(token);
  profiles.forEach((profile) => getCustomer.mockResolvedValueOnce(profile));
}

beforeEach(() => {
  sfn.reset();
  for (const mock of [getCustomer, getVerificationToken, markVerified, undoVerification, markProvisioningStarted]) mock.mockReset();
  markVerified.mockResolvedValue(true);
  undoVerification.mockResolvedValue(undefined);
  markProvisioningStarted.mockResolvedValue(undefined);
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
});

describe('POST /auth/verify-email', () => {
  it('verifies with the token (spent, trial starts now) first, then starts the signup-named execution and records it', async () => {
    given(tokenRecord, pending);
    const res = await verify({ token: TOKEN });

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ customerId: 'cust-a', status: 'provisioning' });
    expect(getVerificationToken).toHaveBeenCalledWith(TOKEN_HASH);
    expect(getCustomer).toHaveBeenCalledWith('cust-a', { consistent: true });
    expect(markVerified).toHaveBeenCalledWith(pending, TOKEN_HASH, expect.any(Number), expect.any(String));
    const trialMs = Date.parse(markVerified.mock.calls[0][3]) - Date.now();
    expect(trialMs).toBeGreaterThan(7 * 86_400_000 - 5_000);
    expect(trialMs).toBeLessThanOrEqual(7 * 86_400_000);

    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0].args[0].input).toMatchObject({ name: 'analytical-engines-cust-a', input: JSON.stringify({ customerId: 'cust-a', attempt: 1 }) });
    expect(markVerified.mock.invocationCallOrder[0]).toBeLessThan(markProvisioningStarted.mock.invocationCallOrder[0]);
    expect(markProvisioningStarted).toHaveBeenCalledWith('cust-a', expect.any(Number));
    expect(undoVerification).not.toHaveBeenCalled();
  });

  it.each([
    ['unknown', undefined],
    ['expired', { ...tokenRecord, expiresAt: NOW - 1 }],
  ])('answers an %s token with 400 INVALID_VERIFICATION_TOKEN and changes nothing', async (_label, token) => {
    given(token, pending);
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('INVALID_VERIFICATION_TOKEN');
    expect(markVerified).not.toHaveBeenCalled();
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses the token of an abandoned (expired) pending account, and of one that is gone', async () => {
    given(tokenRecord, { ...pending, pendingExpiresAt: NOW - 1 });
    expect(bodyOf(await verify({ token: TOKEN })).error.code).toBe('INVALID_VERIFICATION_TOKEN');
    given(tokenRecord);
    getCustomer.mockResolvedValueOnce(undefined);
    expect(bodyOf(await verify({ token: TOKEN })).error.code).toBe('INVALID_VERIFICATION_TOKEN');
    expect(markVerified).not.toHaveBeenCalled();
  });

  it('answers a repeated click with the current status and starts nothing', async () => {
    given({ ...tokenRecord, usedAt: NOW - 5_000 }, { ...pending, status: 'active', verifiedAt: new Date(NOW - 5_000).toISOString(), provisioningStartedAt: 'x' });
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ customerId: 'cust-a', status: 'active' });
    expect(markVerified).not.toHaveBeenCalled();
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers the current status when a concurrent click verified first, without starting anything', async () => {
    given(tokenRecord, pending, { ...pending, status: 'provisioning' });
    markVerified.mockResolvedValue(false);
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).status).toBe('provisioning');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(markProvisioningStarted).not.toHaveBeenCalled();
  });

  it("answers 503 when the click that won is undoing its verification right now (a retry will know)", async () => {
    given(tokenRecord, pending, pending);
    markVerified.mockResolvedValue(false);
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'Retry-After': '1' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('undoes the verification and answers 503 when the execution cannot be started, so the link works again', async () => {
    given(tokenRecord, pending);
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error.code).toBe('SERVICE_UNAVAILABLE');
    const [[, , verifiedAt]] = markVerified.mock.calls;
    expect(undoVerification).toHaveBeenCalledWith(pending, TOKEN_HASH, verifiedAt);
    expect(markProvisioningStarted).not.toHaveBeenCalled();
  });

  it('treats an execution that already exists under the signup name as started', async () => {
    given(tokenRecord, pending);
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(markVerified).toHaveBeenCalledTimes(1);
    expect(undoVerification).not.toHaveBeenCalled();
    expect(markProvisioningStarted).toHaveBeenCalledWith('cust-a', expect.any(Number));
  });

  it('starts the execution of an account whose verification was interrupted before it could', async () => {
    given({ ...tokenRecord, usedAt: NOW - 120_000 }, { ...pending, status: 'provisioning', verifiedAt: new Date(NOW - 120_000).toISOString() });
    const res = await verify({ token: TOKEN });
    expect(bodyOf(res)).toEqual({ customerId: 'cust-a', status: 'provisioning' });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name).toBe('analytical-engines-cust-a');
    expect(markProvisioningStarted).toHaveBeenCalledWith('cust-a', expect.any(Number));
    expect(markVerified).not.toHaveBeenCalled();
  });

  it('still answers 200 when recording the start fails (the execution runs either way)', async () => {
    given(tokenRecord, pending);
    markProvisioningStarted.mockRejectedValue(new Error('throttled'));
    const res = await verify({ token: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(undoVerification).not.toHaveBeenCalled();
  });

  it.each([[{}], [{ token: 7 }], [{ token: 'a b' }], [{ token: TOKEN, extra: 1 }], [[TOKEN]]])('refuses %j with 400 VALIDATION_FAILED', async (json) => {
    const res = await verify(json);
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.code).toBe('VALIDATION_FAILED');
    expect(getVerificationToken).not.toHaveBeenCalled();
  });
});
