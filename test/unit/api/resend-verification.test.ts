import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/resend-verification';
import type { Customer } from '../../../lambdas/core/customer';
import { hashVerificationToken } from '../../../lambdas/core/verification';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as VerificationTokens from '../../../lambdas/repositories/verification-tokens';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// The compare-and-set (one of a burst wins, the token stored with it or not at all) is the repository's:
// test/unit/repositories/verification-tokens.test.ts.
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const recordResend = jest.fn<ReturnType<typeof VerificationTokens.recordResend>, Parameters<typeof VerificationTokens.recordResend>>();
const deleteVerificationToken = jest.fn<ReturnType<typeof VerificationTokens.deleteVerificationToken>, Parameters<typeof VerificationTokens.deleteVerificationToken>>();
jest.mock('../../../lambdas/repositories/verification-tokens', () => ({
  recordResend: (...args: Parameters<typeof VerificationTokens.recordResend>) => recordResend(...args),
  deleteVerificationToken: (...args: Parameters<typeof VerificationTokens.deleteVerificationToken>) => deleteVerificationToken(...args),
}));
const ses = mockClient(SESv2Client);

const NOW = Date.now();
const pending = {
  customerId: 'cust-a',
  email: 'ada@example.com',
  firstName: 'Ada<script>',
  lastName: 'Lovelace',
  plan: 'starter',
  createdAt: new Date(NOW).toISOString(),
  provisioningExecutionName: 'evil-cust-a',
  company: 'Evil Corp http://phish.test',
  status: 'pending_verification',
  subdomain: 'evil.customers.stackpro.test',
  pendingExpiresAt: NOW + 86_400_000,
  verificationTokens: [{ hash: 'old-live', expiresAt: NOW + 60_000 }, { hash: 'old-dead', expiresAt: NOW - 1_000 }],
} as Customer;

const resend = (customerId?: string) => handler(apiEvent({ path: '/auth/resend-verification', customerId }), lambdaContext);

beforeEach(() => {
  ses.reset();
  for (const mock of [getCustomer, recordResend, deleteVerificationToken]) mock.mockReset();
  recordResend.mockResolvedValue(true);
  deleteVerificationToken.mockResolvedValue(undefined);
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

describe('POST /auth/resend-verification', () => {
  it("records the resend and a new token as a compare-and-set on the version read, then emails the caller's own address", async () => {
    getCustomer.mockResolvedValue({ ...pending, verificationVersion: 4, verificationResentAt: [NOW - 7_200_000] });
    const res = await resend('cust-a');

    expect(res.statusCode).toBe(202);
    expect(getCustomer).toHaveBeenCalledWith('cust-a', { consistent: true });
    expect(recordResend).toHaveBeenCalledTimes(1);
    const [customerId, record] = recordResend.mock.calls[0];
    expect(customerId).toBe('cust-a');
    expect(record.version).toBe(4);
    // Resends older than an hour drop out of the window; expired tokens drop out of the list.
    expect(record.resentAt).toHaveLength(1);
    expect(record.tokens.map((token) => token.hash)).toEqual(['old-live', record.token.hash]);

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.Destination!.ToAddresses).toEqual(['ada@example.com']);
    const text = email.Content!.Simple!.Body!.Text!.Data!;
    const sent = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)![1];
    expect(record.token.hash).toBe(hashVerificationToken(sent));
    expect(JSON.stringify(record)).not.toContain(sent);
    const all = JSON.stringify(email.Content);
    for (const typed of ['Ada', 'script', 'Evil', 'phish']) expect(all).not.toContain(typed);
  });

  it('answers 429 TOO_MANY_REQUESTS with Retry-After after 3 resends within the hour, and records and sends nothing', async () => {
    getCustomer.mockResolvedValue({ ...pending, verificationResentAt: [NOW - 3_000_000, NOW - 60_000, NOW - 1_000] });
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(429);
    expect(bodyOf(res).error.code).toBe('TOO_MANY_REQUESTS');
    // The oldest of the three leaves the window in about 600 s.
    const retryAfter = Number(res.headers!['Retry-After']);
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(601);
    expect(recordResend).not.toHaveBeenCalled();
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('decides again when a concurrent resend changed the account first', async () => {
    getCustomer
      .mockResolvedValueOnce({ ...pending, verificationVersion: 2, verificationResentAt: [NOW - 2_000, NOW - 1_000] })
      .mockResolvedValue({ ...pending, verificationVersion: 3, verificationResentAt: [NOW - 2_000, NOW - 1_000, NOW - 500] });
    recordResend.mockResolvedValue(false);
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(429);
    expect(getCustomer).toHaveBeenCalledTimes(2);
    expect(recordResend).toHaveBeenCalledTimes(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('answers 429 (never a 500) when every compare-and-set round lost to another resend', async () => {
    getCustomer.mockResolvedValue(pending);
    recordResend.mockResolvedValue(false);
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(429);
    expect(recordResend.mock.calls.length).toBeGreaterThan(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('answers 409 INVALID_STATE for an account already verified, or a signup that expired', async () => {
    getCustomer.mockResolvedValueOnce({ ...pending, status: 'active' }).mockResolvedValueOnce({ ...pending, pendingExpiresAt: NOW - 1 });
    for (const res of [await resend('cust-a'), await resend('cust-a')]) {
      expect(res.statusCode).toBe(409);
      expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    }
    expect(recordResend).not.toHaveBeenCalled();
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('answers 401 without a caller', async () => {
    expect((await resend()).statusCode).toBe(401);
    expect(getCustomer).not.toHaveBeenCalled();
  });

  it('drops the undelivered token and answers 503 when SES refuses the email', async () => {
    getCustomer.mockResolvedValue(pending);
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(503);
    expect(deleteVerificationToken).toHaveBeenCalledWith(recordResend.mock.calls[0][1].token.hash);
  });
});
