import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
});

describe('sendCustomerEmail', () => {
  it('sends from the sender address to the customer, then records the notice with a conditional put', async () => {
    await expect(sendCustomerEmail(customer, 'payment_failed', { dedupeKey: 'in_123', graceEndsAt: '2030-01-15T00:00:00Z' })).resolves.toEqual({
      sent: true,
      dedupeKey: 'in_123',
    });

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.FromEmailAddress).toBe('welcome@stackpro.test');
    expect(email.Destination).toEqual({ ToAddresses: ['ada@example.com'] });
    expect(email.Content?.Simple?.Subject?.Data).toBe('Action needed: your StackPro payment failed');
    expect(email.Content?.Simple?.Body?.Text?.Data).toContain('until 2030-01-15');
    const get = ddb.commandCalls(GetCommand)[0].args[0].input;
    expect(get).toMatchObject({ Key: { pk: 'CUSTOMER#cust-1', sk: 'NOTICE#payment_failed#in_123' }, ConsistentRead: true });
    const put = ddb.commandCalls(PutCommand)[0].args[0].input;
    expect(put.Item).toMatchObject({ pk: 'CUSTOMER#cust-1', sk: 'NOTICE#payment_failed#in_123', type: 'notice', kind: 'payment_failed', messageId: 'm-1' });
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('takes a plain string as the dedupe key (as the Stripe webhook passes it)', async () => {
    await sendCustomerEmail(customer, 'trial_ending', 'sub_1-1893456000');
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ sk: 'NOTICE#trial_ending#sub_1-1893456000' });
  });

  it('emails at most once per customer and kind without a dedupe key', async () => {
    await sendCustomerEmail(customer, 'cancelled');
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ sk: 'NOTICE#cancelled#once' });
  });

  it('sends nothing when the notice was sent already (a duplicate event or a retried step)', async () => {
    ddb.on(GetCommand).resolves({ Item: { sentAt: '2030-01-01T00:00:00Z' } });
    await expect(sendCustomerEmail(customer, 'suspended', 'exec-1')).resolves.toEqual({ sent: false, dedupeKey: 'exec-1' });
    expect(ses.calls()).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('marks nothing when SES refuses, so a retry sends it', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }));
    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).rejects.toMatchObject({ name: 'MessageRejected' });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('treats a lost race on the mark (a concurrent duplicate) as sent', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).resolves.toMatchObject({ sent: true });
  });
});
