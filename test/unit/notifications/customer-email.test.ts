import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { sendCustomerEmail } from '../../../lambdas/notifications/customer-email';

const ses = mockClient(SESv2Client);
const ddb = mockClient(DynamoDBDocumentClient);

const customer = {
  customerId: 'cust-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  company: 'Acme',
  subdomain: 'acme.customers.stackpro.test',
  trialEndsAt: '2030-01-08T00:00:00.000Z',
};

beforeEach(() => {
  ses.reset();
  ddb.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

const claimed = () => new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });

describe('sendCustomerEmail', () => {
  it('claims the notice with a conditional put, sends it, then records it as sent', async () => {
    await expect(sendCustomerEmail(customer, 'payment_failed', { dedupeKey: 'in_123', graceEndsAt: '2030-01-15T00:00:00Z' })).resolves.toEqual({
      sent: true,
      dedupeKey: 'in_123',
    });

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.FromEmailAddress).toBe('welcome@stackpro.test');
    expect(email.Destination).toEqual({ ToAddresses: ['ada@example.com'] });
    expect(email.Content?.Simple?.Subject?.Data).toBe('Action needed: your StackPro payment failed');
    expect(email.Content?.Simple?.Body?.Text?.Data).toContain('until 2030-01-15');
    const claim = ddb.commandCalls(PutCommand)[0].args[0].input;
    expect(claim.Item).toMatchObject({ pk: 'CUSTOMER#cust-1', sk: 'NOTICE#payment_failed#in_123', type: 'notice', kind: 'payment_failed', state: 'sending' });
    expect(claim.ConditionExpression).toContain('attribute_not_exists(pk)');
    const sent = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(sent.Key).toEqual({ pk: 'CUSTOMER#cust-1', sk: 'NOTICE#payment_failed#in_123' });
    expect(sent.ExpressionAttributeValues).toMatchObject({ ':sent': 'sent', ':messageId': 'm-1' });
  });

  it('takes a plain string as the dedupe key (as the Stripe webhook passes it)', async () => {
    await sendCustomerEmail(customer, 'trial_ending', 'sub_1-1893456000');
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ sk: 'NOTICE#trial_ending#sub_1-1893456000' });
  });

  it('emails at most once per customer and kind without a dedupe key', async () => {
    await sendCustomerEmail(customer, 'cancelled');
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ sk: 'NOTICE#cancelled#once' });
  });

  it('sends nothing when the notice is sent or being sent already (duplicates, distinct events at once, retries)', async () => {
    ddb.on(PutCommand).rejects(claimed());
    await expect(sendCustomerEmail(customer, 'suspended', 'exec-1')).resolves.toEqual({ sent: false, dedupeKey: 'exec-1' });
    expect(ses.calls()).toHaveLength(0);
  });

  it('sends exactly one email when several attempts race for the same notice', async () => {
    let taken = false;
    ddb.on(PutCommand).callsFake(() => {
      if (taken) throw claimed();
      taken = true;
      return {};
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => sendCustomerEmail(customer, 'trial_ending', 'sub_1-1')));
    expect(results.filter((r) => r.sent)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('gives the claim back when SES refuses, so a retry sends it', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }));
    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).rejects.toMatchObject({ name: 'MessageRejected' });
    expect(ddb.commandCalls(DeleteCommand)[0].args[0].input.Key).toEqual({ pk: 'CUSTOMER#cust-1', sk: 'NOTICE#resumed#exec-1' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('lets a claim abandoned by a crash be taken over after a few minutes', async () => {
    await sendCustomerEmail(customer, 'resumed', 'exec-1');
    const claim = ddb.commandCalls(PutCommand)[0].args[0].input;
    expect(claim.ConditionExpression).toContain('claimedAt < :stale');
    expect(claim.ExpressionAttributeValues![':stale']).toBeLessThan(Date.now() - 4 * 60_000);
  });
});
