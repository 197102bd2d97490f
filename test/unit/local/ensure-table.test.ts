import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ensureTable } from '../../../local/dynamodb-local';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1' });

beforeEach(() => {
  ddb.reset();
  ddb.on(CreateTableCommand).resolves({});
  ddb.on(UpdateTableCommand).resolves({});
  ddb.on(UpdateTimeToLiveCommand).resolves({});
});

describe('ensureTable (the local table, as CDK builds it)', () => {
  it('creates the table with the sparse PendingVerification index and TTL', async () => {
    ddb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'no table', $metadata: {} }));
    await ensureTable(client, 'stackpro-local');
    const create = ddb.commandCalls(CreateTableCommand)[0].args[0].input;
    expect(create.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'PendingVerification',
        KeySchema: [
          { AttributeName: 'pendingIndexPk', KeyType: 'HASH' },
          { AttributeName: 'pendingExpiresAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: 'CustomersByStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['customerId', 'email', 'company', 'plan', 'subdomain'] },
      },
    ]);
    expect(create.AttributeDefinitions).toContainEqual({ AttributeName: 'pendingExpiresAt', AttributeType: 'N' });
    expect(ddb.commandCalls(UpdateTimeToLiveCommand)).toHaveLength(1);
  });

  it('adds the indexes to a table from an older data dir, one per update, and leaves a current one alone', async () => {
    ddb.on(DescribeTableCommand).resolvesOnce({ Table: { TableName: 'stackpro-local' } });
    await ensureTable(client, 'stackpro-local');
    const updates = ddb.commandCalls(UpdateTableCommand).map((call) => call.args[0].input.GlobalSecondaryIndexUpdates!.map((u) => u.Create!.IndexName));
    expect(updates).toEqual([['PendingVerification'], ['CustomersByStatus']]);

    ddb.on(DescribeTableCommand).resolves({
      Table: { TableName: 'stackpro-local', GlobalSecondaryIndexes: [{ IndexName: 'PendingVerification' }, { IndexName: 'CustomersByStatus' }] },
    });
    await ensureTable(client, 'stackpro-local');
    expect(ddb.commandCalls(UpdateTableCommand)).toHaveLength(2);
    expect(ddb.commandCalls(CreateTableCommand)).toHaveLength(0);
  });
});
