import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { readCustomerPartition } from '../../../lambdas/repositories/customer-partition';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

describe('readCustomerPartition', () => {
  it('reads the usage item in the same one Query as the profile (absent until the usage job measured)', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'CUSTOMER#c-1', sk: 'PROFILE', type: 'customer', customerId: 'c-1' },
        { pk: 'CUSTOMER#c-1', sk: 'USAGE', type: 'usage', measuredAt: '2030-01-01T00:00:00.000Z', diskUsedBytes: 5 },
      ],
    });

    const partition = await readCustomerPartition('c-1');
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'CUSTOMER#c-2', sk: 'PROFILE', type: 'customer', customerId: 'c-2' }] });
    const unmeasured = await readCustomerPartition('c-2');

    expect(partition.usage).toEqual({ measuredAt: '2030-01-01T00:00:00.000Z', diskUsedBytes: 5 });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
    expect(unmeasured).not.toHaveProperty('usage');
  });
});
