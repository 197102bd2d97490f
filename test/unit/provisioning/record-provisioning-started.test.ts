import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/provisioning/record-provisioning-started';

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
});

describe('Record provisioning started', () => {
  it('opens the provisioning log with an idempotent key and returns what later steps need', async () => {
    ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-1', plan: 'business', subdomain: 'acme.customers.stackpro.test' } });
    const out = await handler({ customerId: 'cust-1', executionName: 'acme-cust-1' });
    expect(out).toEqual({ customerId: 'cust-1', plan: 'business', subdomain: 'acme.customers.stackpro.test' });
    const item = ddb.commandCalls(PutCommand)[0].args[0].input.Item!;
    expect(item).toMatchObject({ pk: 'CUSTOMER#cust-1', sk: 'PROVLOG#acme-cust-1#Record provisioning started#succeeded', status: 'succeeded' });
  });

  it('fails with a typed error the state machine can catch when the customer is gone', async () => {
    ddb.on(GetCommand).resolves({});
    await expect(handler({ customerId: 'gone', executionName: 'x' })).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses malformed input', async () => {
    await expect(handler({ executionName: 'x' })).rejects.toThrow();
  });
});
