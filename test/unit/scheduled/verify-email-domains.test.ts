import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import type * as EmailVerifications from '../../../lambdas/repositories/email-verifications';
import { handler } from '../../../lambdas/scheduled/verify-email-domains';
import { EMAIL_CHECK_CONCURRENCY, verifyEmailDomains } from '../../../lambdas/services/verify-email-domains';

// The markers' partition (a Query page by page, never a Scan) and the conditional `running` mark are the
// repository's: test/unit/repositories/email-verifications.test.ts.
let pending: EmailVerifications.EmailVerificationMarker[] = [];
const markEmailRunning = jest.fn<ReturnType<typeof EmailVerifications.markEmailRunning>, Parameters<typeof EmailVerifications.markEmailRunning>>();
const deleteEmailVerificationMarker = jest.fn<
  ReturnType<typeof EmailVerifications.deleteEmailVerificationMarker>,
  Parameters<typeof EmailVerifications.deleteEmailVerificationMarker>
>();
jest.mock('../../../lambdas/repositories/email-verifications', () => ({
  pendingEmailVerifications: async function* () {
    yield* pending;
  },
  markEmailRunning: (...args: Parameters<typeof EmailVerifications.markEmailRunning>) => markEmailRunning(...args),
  deleteEmailVerificationMarker: (...args: Parameters<typeof EmailVerifications.deleteEmailVerificationMarker>) => deleteEmailVerificationMarker(...args),
}));
const ses = mockClient(SESv2Client);
const NOW = Date.parse('2030-01-10T00:00:00.000Z');
const HOUR = 3600 * 1000;

const marker = (customerId: string, hoursAgo = 1) => ({
  customerId,
  identity: `${customerId}.customers.example`,
  startedAt: new Date(NOW - hoursAgo * HOUR).toISOString(),
});
const awsError = (name: string) => Object.assign(new Error(name), { name, $fault: 'client', $metadata: {} });
const deleted = () => deleteEmailVerificationMarker.mock.calls.map(([customerId]) => customerId);
const markedRunning = () => markEmailRunning.mock.calls.map(([customerId]) => customerId);

beforeEach(() => {
  ses.reset();
  pending = [];
  markEmailRunning.mockReset().mockResolvedValue(true);
  deleteEmailVerificationMarker.mockReset().mockResolvedValue(undefined);
});

describe('VerifyEmailDomains (the DKIM sweep)', () => {
  it('checks every pending marker, and leaves the unverified ones for the next run', async () => {
    pending = [marker('a'), marker('b')];
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ examined: 2, verified: [], failed: 0 });
    expect(ses.commandCalls(GetEmailIdentityCommand).map((c) => c.args[0].input.EmailIdentity).sort()).toEqual(['a.customers.example', 'b.customers.example']);
    expect(deleted()).toEqual([]);
    expect(markedRunning()).toEqual([]);
  });

  it('marks email running (only while still pending_verification) and removes the marker once SES has verified', async () => {
    pending = [marker('a'), marker('b')];
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'a.customers.example' }).resolves({ VerifiedForSendingStatus: true });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'b.customers.example' }).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ examined: 2, verified: ['a'] });
    expect(markEmailRunning.mock.calls).toEqual([['a', new Date(NOW).toISOString()]]);
    expect(deleted()).toEqual(['a']);
    // The marker goes only after the service was marked, so a failure in between is retried next run.
    expect(markEmailRunning.mock.invocationCallOrder[0]).toBeLessThan(deleteEmailVerificationMarker.mock.invocationCallOrder[0]);
  });

  it('is safe when another run got there first, or the customer is no longer pending (markEmailRunning answers false)', async () => {
    pending = [marker('a')];
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    markEmailRunning.mockResolvedValue(false);
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ verified: ['a'], failed: 0 });
    expect(deleted()).toEqual(['a']);
  });

  it('gives up after 72 hours: the marker goes, the service stays pending_verification', async () => {
    pending = [marker('old', 72), marker('young', 71)];
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ abandoned: ['old'], verified: [] });
    expect(deleted()).toEqual(['old']);
    expect(markedRunning()).toEqual([]);
  });

  it('drops the marker of an identity that is gone (the customer was deprovisioned)', async () => {
    pending = [marker('gone')];
    ses.on(GetEmailIdentityCommand).rejects(awsError('NotFoundException'));
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ dropped: 1, failed: 0 });
    expect(deleted()).toEqual(['gone']);
  });

  it('leaves the marker for the next run on a transient error, and goes on with the others', async () => {
    pending = [marker('throttled', 80), marker('ok')];
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'throttled.customers.example' }).rejects(awsError('TooManyRequestsException'));
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'ok.customers.example' }).resolves({ VerifiedForSendingStatus: true });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ failed: 1, verified: ['ok'] });
    expect(deleted()).toEqual(['ok']);
  });

  it('leaves the marker when marking the service running fails, and counts it failed', async () => {
    pending = [marker('a')];
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    markEmailRunning.mockRejectedValue(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ verified: [], failed: 1 });
    expect(deleted()).toEqual([]);
  });

  it(`keeps at most ${EMAIL_CHECK_CONCURRENCY} GetEmailIdentity calls in flight`, async () => {
    pending = Array.from({ length: 23 }, (_, i) => marker(`c${i}`));
    let inFlight = 0;
    let peak = 0;
    ses.on(GetEmailIdentityCommand).callsFake(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { VerifiedForSendingStatus: false };
    });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ examined: 23 });
    expect(peak).toBe(EMAIL_CHECK_CONCURRENCY);
  });

  it('reads its clock from the scheduled event and refuses an event without a valid time', async () => {
    pending = [marker('a', 1)];
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    const later = new Date(NOW + 80 * HOUR).toISOString();
    await expect(handler({ time: later }, {} as never)).resolves.toMatchObject({ abandoned: ['a'] });
    await expect(handler({ time: 'soon' }, {} as never)).rejects.toThrow();
  });
});
