import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as recordFailureStep } from '../../../lambdas/lifecycle/record-lifecycle-failure';
import { handler as sendEmailStep } from '../../../lambdas/lifecycle/send-lifecycle-email';
import { metrics } from '../../../lambdas/metrics';
import type * as SentNotices from '../../../lambdas/notifications/sent-notices';
import { asTask, accounts, awsError, ctx, profile, provisioningLog, recordedSteps, resetRepositories } from './helpers';

const recordFailure = asTask('Record suspension failure', recordFailureStep);
const sendEmail = asTask('Send suspension email', sendEmailStep);

jest.mock('../../../lambdas/repositories/accounts', () => jest.requireActual('./helpers').accounts);
jest.mock('../../../lambdas/repositories/provisioning-log', () => jest.requireActual('./helpers').provisioningLog);
// The once-per-key claim on the notice record is sent-notices' (test/unit/repositories/sent-notices.test.ts).
const claimNotice = jest.fn<ReturnType<typeof SentNotices.claimNotice>, Parameters<typeof SentNotices.claimNotice>>();
const markNoticeSent = jest.fn<ReturnType<typeof SentNotices.markNoticeSent>, Parameters<typeof SentNotices.markNoticeSent>>();
const releaseNotice = jest.fn<ReturnType<typeof SentNotices.releaseNotice>, Parameters<typeof SentNotices.releaseNotice>>();
jest.mock('../../../lambdas/notifications/sent-notices', () => ({
  claimNotice: (...args: Parameters<typeof SentNotices.claimNotice>) => claimNotice(...args),
  markNoticeSent: (...args: Parameters<typeof SentNotices.markNoticeSent>) => markNoticeSent(...args),
  releaseNotice: (...args: Parameters<typeof SentNotices.releaseNotice>) => releaseNotice(...args),
}));
const ses = mockClient(SESv2Client);
const customerReads = () => accounts.getCustomer.mockResolvedValue(profile());

beforeEach(() => {
  ses.reset();
  resetRepositories();
  claimNotice.mockReset().mockResolvedValue(true);
  markNoticeSent.mockReset().mockResolvedValue(undefined);
  releaseNotice.mockReset().mockResolvedValue(undefined);
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

describe('Send suspension / resumed / cancellation email', () => {
  it('emails the customer once per execution, keyed by its name', async () => {
    customerReads();

    await expect(sendEmail({ ...ctx, kind: 'suspended', reason: 'unpaid' })).resolves.toEqual({ sent: true });

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.Destination?.ToAddresses).toEqual(['ada@example.com']);
    expect(email.Content?.Simple?.Subject?.Data).toBe('Your StackPro stack is suspended');
    expect(claimNotice).toHaveBeenCalledWith('cust-1', 'suspended', 'acme-cust-1');
    expect(markNoticeSent).toHaveBeenCalledWith('cust-1', 'suspended', 'acme-cust-1', 'm-1');
  });

  it('sends nothing when this execution sent it already (a retried step)', async () => {
    customerReads();
    claimNotice.mockResolvedValue(false);
    await expect(sendEmail({ ...ctx, kind: 'resumed' })).resolves.toEqual({ sent: false });
    expect(claimNotice).toHaveBeenCalledWith('cust-1', 'resumed', 'acme-cust-1');
    expect(ses.calls()).toHaveLength(0);
  });

  it('rethrows a throttled SES call as TransientError for the retry, and gives the notice claim back', async () => {
    customerReads();
    ses.on(SendEmailCommand).rejects(awsError('TooManyRequestsException'));
    await expect(sendEmail({ ...ctx, kind: 'cancelled' })).rejects.toMatchObject({ name: 'TransientError', message: 'TooManyRequestsException' });
    expect(releaseNotice).toHaveBeenCalledWith('cust-1', 'cancelled', 'acme-cust-1');
    expect(markNoticeSent).not.toHaveBeenCalled();
  });

  it('logs the step failed and moves on once the state machine gives up', async () => {
    await expect(sendEmail({ ...ctx, kind: 'suspended', giveUp: true, error: { Error: 'MessageRejected', Cause: 'x' } })).resolves.toEqual({ sent: false });
    expect(ses.calls()).toHaveLength(0);
    expect(claimNotice).not.toHaveBeenCalled();
    expect(provisioningLog.failRunningSteps).toHaveBeenCalledWith('cust-1', 'acme-cust-1', 'Not sent: The mail service refused the email.');
    expect(recordedSteps()).toContainEqual(['Send suspension email', 'failed', 'Not sent: The mail service refused the email.']);
  });

  it('fails with CustomerNotFoundError when the account is gone', async () => {
    await expect(sendEmail({ ...ctx, kind: 'suspended' })).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
    expect(claimNotice).not.toHaveBeenCalled();
  });
});

describe('Record failure', () => {
  it('marks the steps in progress failed, counts the failure and returns a readable reason', async () => {
    const addMetric = jest.spyOn(metrics, 'addMetric');
    const error = { Error: 'NotReadyError', Cause: JSON.stringify({ errorType: 'NotReadyError', errorMessage: 'Instance i-1 is still stopping' }) };

    await expect(recordFailure({ ...ctx, workflow: 'SuspendCustomer', error })).resolves.toEqual({
      reason: 'Instance i-1 is still stopping',
    });

    // The step whose retries ran out ends failed with the reason (failRunningSteps: its repository test).
    expect(provisioningLog.failRunningSteps).toHaveBeenCalledWith('cust-1', 'acme-cust-1', 'Instance i-1 is still stopping');
    expect(recordedSteps().find(([name]) => name === 'Record suspension failure')?.[1]).toBe('failed');
    expect(addMetric).toHaveBeenCalledWith('SuspendFailed', 'Count', 1);
  });

  it.each([
    ['ResumeCustomer', 'ResumeFailed'],
    ['DeprovisionCustomer', 'DeprovisionFailed'],
  ] as const)('counts %s failures as %s', async (workflow, metric) => {
    const addMetric = jest.spyOn(metrics, 'addMetric');
    await recordFailure({ ...ctx, workflow, error: { Error: 'States.Timeout' } });
    expect(addMetric).toHaveBeenCalledWith(metric, 'Count', 1);
  });
});
