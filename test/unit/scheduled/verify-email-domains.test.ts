import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/scheduled/verify-email-domains';
import { EMAIL_CHECK_CONCURRENCY, verifyEmailDomains } from '../../../lambdas/services/verify-email-domains';

const ses = mockClient(SESv2Client);
const ddb = mockClient(DynamoDBDocumentClient);
const NOW = Date.parse('2030-01-10T00:00:00.000Z');
const HOUR = 3600 * 1000;

const marker = (customerId: string, hoursAgo = 1) => ({
  pk: 'EMAILVERIFY',
  sk: customerId,
  customerId,
  identity: `${customerId}.customers.example`,
  startedAt: new Date(NOW - hoursAgo * HOUR).toISOString(),
});
const awsError = (name: string) => Object.assign(new Error(name), { name, $fault: 'client', $metadata: {} });
const deleted = () => ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key?.sk);
const markedRunning = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.pk);

beforeEach(() => {
  ses.reset();
  ddb.reset();
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

describe('VerifyEmailDomains (the DKIM sweep)', () => {
  it('finds pending customers with a Query on the EMAILVERIFY partition, following pages (never a Scan)', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [marker('a')], LastEvaluatedKey: { pk: 'EMAILVERIFY', sk: 'a' } }).resolvesOnce({ Items: [marker('b')] });
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ examined: 2, verified: [], failed: 0 });
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries[0]).toMatchObject({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'EMAILVERIFY' } });
    expect(queries[1].ExclusiveStartKey).toEqual({ pk: 'EMAILVERIFY', sk: 'a' });
    expect(deleted()).toEqual([]);
  });

  it('marks email running (only while still pending_verification) and removes the marker once SES has verified', async () => {
    ddb.on(QueryCommand).resolves({ Items: [marker('a'), marker('b')] });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'a.customers.example' }).resolves({ VerifiedForSendingStatus: true });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'b.customers.example' }).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ examined: 2, verified: ['a'] });
    const [update] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(update).toMatchObject({ Key: { pk: 'CUSTOMER#a', sk: 'INFRASTRUCTURE' }, ConditionExpression: 'services.email = :pending' });
    expect(update.ExpressionAttributeValues).toMatchObject({ ':running': 'running', ':pending': 'pending_verification' });
    expect(deleted()).toEqual(['a']);
  });

  it('is safe when another run got there first, or the customer is no longer pending (the condition fails)', async () => {
    ddb.on(QueryCommand).resolves({ Items: [marker('a')] });
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ verified: ['a'], failed: 0 });
    expect(deleted()).toEqual(['a']);
  });

  it('gives up after 72 hours: the marker goes, the service stays pending_verification', async () => {
    ddb.on(QueryCommand).resolves({ Items: [marker('old', 72), marker('young', 71)] });
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ abandoned: ['old'], verified: [] });
    expect(deleted()).toEqual(['old']);
    expect(markedRunning()).toEqual([]);
  });

  it('drops the marker of an identity that is gone (the customer was deprovisioned)', async () => {
    ddb.on(QueryCommand).resolves({ Items: [marker('gone')] });
    ses.on(GetEmailIdentityCommand).rejects(awsError('NotFoundException'));
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ dropped: 1, failed: 0 });
    expect(deleted()).toEqual(['gone']);
  });

  it('leaves the marker for the next run on a transient error, and goes on with the others', async () => {
    ddb.on(QueryCommand).resolves({ Items: [marker('throttled', 80), marker('ok')] });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'throttled.customers.example' }).rejects(awsError('TooManyRequestsException'));
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'ok.customers.example' }).resolves({ VerifiedForSendingStatus: true });
    await expect(verifyEmailDomains(NOW)).resolves.toMatchObject({ failed: 1, verified: ['ok'] });
    expect(deleted()).toEqual(['ok']);
  });

  it(`keeps at most ${EMAIL_CHECK_CONCURRENCY} GetEmailIdentity calls in flight`, async () => {
    ddb.on(QueryCommand).resolves({ Items: Array.from({ length: 23 }, (_, i) => marker(`c${i}`)) });
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
    ddb.on(QueryCommand).resolves({ Items: [marker('a', 1)] });
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    const later = new Date(NOW + 80 * HOUR).toISOString();
    await expect(handler({ time: later }, {} as never)).resolves.toMatchObject({ abandoned: ['a'] });
    await expect(handler({ time: 'soon' }, {} as never)).rejects.toThrow();
  });
});
