import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as recordFailureStep } from '../../../lambdas/lifecycle/record-lifecycle-failure';
import { handler as sendEmailStep } from '../../../lambdas/lifecycle/send-lifecycle-email';
import { metrics } from '../../../lambdas/metrics';
import { asTask, awsError, ctx, mockTable, profileReads, stepLog } from './helpers';

const recordFailure = asTask('Record suspension failure', recordFailureStep);
const sendEmail = asTask('Send suspension email', sendEmailStep);

const ses = mockClient(SESv2Client);
const table = mockTable();

beforeEach(() => {
  ses.reset();
  table.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

describe('Send suspension / resumed / cancellation email', () => {
  it('emails the customer once per execution, keyed by its name', async () => {
    profileReads(table.ddb);

    await expect(sendEmail({ ...ctx, kind: 'suspended', reason: 'unpaid' })).resolves.toEqual({ sent: true });

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.Destination?.ToAddresses).toEqual(['ada@example.com']);
    expect(email.Content?.Simple?.Subject?.Data).toBe('Your StackPro stack is suspended');
    expect(table.ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ pk: 'CUSTOMER#cust-1', sk: 'NOTICE#suspended#acme-cust-1' });
  });

  it('sends nothing when this execution sent it already (a retried step)', async () => {
    profileReads(table.ddb);
    table.ddb.on(PutCommand, { Item: { pk: 'CUSTOMER#cust-1', sk: 'NOTICE#resumed#acme-cust-1' } }).rejects(
      new ConditionalCheckFailedException({ message: 'claimed', $metadata: {} }),
    );
    await expect(sendEmail({ ...ctx, kind: 'resumed' })).resolves.toEqual({ sent: false });
    expect(ses.calls()).toHaveLength(0);
  });

  it('rethrows a throttled SES call as TransientError for the retry, and gives the notice claim back', async () => {
    profileReads(table.ddb);
    ses.on(SendEmailCommand).rejects(awsError('TooManyRequestsException'));
    await expect(sendEmail({ ...ctx, kind: 'cancelled' })).rejects.toMatchObject({ name: 'TransientError', message: 'TooManyRequestsException' });
    expect(table.ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key)).toContainEqual({ pk: 'CUSTOMER#cust-1', sk: 'NOTICE#cancelled#acme-cust-1' });
  });

  it('logs the step failed and moves on once the state machine gives up', async () => {
    await expect(sendEmail({ ...ctx, kind: 'suspended', giveUp: true, error: { Error: 'MessageRejected', Cause: 'x' } })).resolves.toEqual({ sent: false });
    expect(ses.calls()).toHaveLength(0);
    expect(stepLog(table.ddb)).toContainEqual(['Send suspension email', 'failed', 'Not sent: The mail service refused the email.']);
  });

  it('fails with CustomerNotFoundError when the account is gone', async () => {
    await expect(sendEmail({ ...ctx, kind: 'suspended' })).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});

describe('Record failure', () => {
  it('marks the steps in progress failed, counts the failure and returns a readable reason', async () => {
    const addMetric = jest.spyOn(metrics, 'addMetric');
    table.ddb.on(QueryCommand).resolves({
      Items: [
        { executionName: 'acme-cust-1', name: 'Stop instance', status: 'succeeded', startedAt: '2030-01-01T00:00:00Z' },
        { executionName: 'acme-cust-1', name: 'Check instance stopped', status: 'running', startedAt: '2030-01-01T00:00:01Z' },
      ],
    });
    const error = { Error: 'NotReadyError', Cause: JSON.stringify({ errorType: 'NotReadyError', errorMessage: 'Instance i-1 is still stopping' }) };

    await expect(recordFailure({ ...ctx, workflow: 'SuspendCustomer', error })).resolves.toEqual({
      reason: 'Instance i-1 is still stopping',
    });

    expect(stepLog(table.ddb)).toContainEqual(['Check instance stopped', 'failed', 'Instance i-1 is still stopping']);
    expect(stepLog(table.ddb).find(([name]) => name === 'Record suspension failure')?.[1]).toBe('failed');
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
