import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/resend-verification';
import { hashVerificationToken } from '../../../lambdas/core/verification';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const NOW = Date.now();
const pending = {
  customerId: 'cust-a',
  email: 'ada@example.com',
  firstName: 'Ada<script>',
  company: 'Evil Corp http://phish.test',
  status: 'pending_verification',
  subdomain: 'evil.customers.stackpro.test',
  pendingExpiresAt: NOW + 86_400_000,
  verificationTokens: [{ hash: 'old-live', expiresAt: NOW + 1_000 }, { hash: 'old-dead', expiresAt: NOW - 1_000 }],
};

const resend = (customerId?: string) => handler(apiEvent({ path: '/auth/resend-verification', customerId }), lambdaContext);

beforeEach(() => {
  ddb.reset();
  ses.reset();
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

describe('POST /auth/resend-verification', () => {
  it("records the resend and a new token in one compare-and-set, then emails the caller's own address", async () => {
    ddb.on(GetCommand).resolves({ Item: { ...pending, verificationVersion: 4, verificationResentAt: [NOW - 7_200_000] } });
    const res = await resend('cust-a');

    expect(res.statusCode).toBe(202);
    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ Key: { pk: 'CUSTOMER#cust-a', sk: 'PROFILE' }, ConsistentRead: true });
    const [profile, token] = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
    expect(profile.Update!.ConditionExpression).toBe('#status = :pending AND verificationVersion = :version');
    const values = profile.Update!.ExpressionAttributeValues!;
    expect(values[':version']).toBe(4);
    expect(values[':next']).toBe(5);
    // Resends older than an hour drop out of the window; expired tokens drop out of the list.
    expect(values[':resentAt']).toHaveLength(1);
    expect(values[':tokens'].map((t: { hash: string }) => t.hash)).toEqual(['old-live', expect.any(String)]);
    expect(token.Put!.Item).toMatchObject({ customerId: 'cust-a', type: 'verificationToken' });

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.Destination!.ToAddresses).toEqual(['ada@example.com']);
    const text = email.Content!.Simple!.Body!.Text!.Data!;
    const sent = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)![1];
    expect(token.Put!.Item!.pk).toBe(`VERIFY#${hashVerificationToken(sent)}`);
    const all = JSON.stringify(email.Content);
    for (const typed of ['Ada', 'script', 'Evil', 'phish']) expect(all).not.toContain(typed);
  });

  it('answers 429 TOO_MANY_REQUESTS with Retry-After after 3 resends within the hour, and sends nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...pending, verificationResentAt: [NOW - 3_000_000, NOW - 60_000, NOW - 1_000] } });
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(429);
    expect(bodyOf(res).error.code).toBe('TOO_MANY_REQUESTS');
    // The oldest of the three leaves the window in about 600 s.
    const retryAfter = Number(res.headers!['Retry-After']);
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(601);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('decides again when a concurrent resend changed the account first', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { ...pending, verificationVersion: 2, verificationResentAt: [NOW - 2_000, NOW - 1_000] } })
      .resolves({ Item: { ...pending, verificationVersion: 3, verificationResentAt: [NOW - 2_000, NOW - 1_000, NOW - 500] } });
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(429);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('answers 409 INVALID_STATE for an account already verified', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...pending, status: 'active' } });
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('answers 401 without a caller', async () => {
    expect((await resend()).statusCode).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('drops the undelivered token and answers 503 when SES refuses the email', async () => {
    ddb.on(GetCommand).resolves({ Item: pending });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    const res = await resend('cust-a');
    expect(res.statusCode).toBe(503);
    const put = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems![1].Put!.Item!;
    expect(ddb.commandCalls(DeleteCommand)[0].args[0].input.Key).toEqual({ pk: put.pk, sk: 'VERIFY' });
  });
});
