import {
  CreateTableCommand,
  DescribeTableCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { MESSAGING_TABLE_DESIGN } from '../lambdas/repositories/messaging-table-design';

/** The messaging table's name beside the single table's (MESSAGING_TABLE_NAME locally and in unit tests). */
export function messagingTableNameFor(tableName: string): string {
  return `${tableName}-messaging`;
}

/** Creates the messaging table as CDK does (keys, the four conversation indexes, TTL, a stream) unless it exists. */
export async function ensureMessagingTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const design = MESSAGING_TABLE_DESIGN;
  const indexes = Object.values(design.conversationIndexes);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: design.partitionKey, AttributeType: 'S' },
        { AttributeName: design.sortKey, AttributeType: 'S' },
        { AttributeName: design.activitySortKey, AttributeType: 'S' },
        ...indexes.map((index) => ({ AttributeName: index.partitionKey, AttributeType: 'S' as const })),
      ],
      KeySchema: [
        { AttributeName: design.partitionKey, KeyType: 'HASH' },
        { AttributeName: design.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: design.activitySortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: design.timeToLiveAttribute, Enabled: true } }),
  );
  await seedWhatsAppPool(client, tableName);
}

/** Linked WhatsApp numbers the local stack starts with (lambdas/repositories/whatsapp-number-pool.ts). */
export const LOCAL_WHATSAPP_POOL_SIZE = 100;

/**
 * What an operator does in AWS after linking numbers through Meta's signup: put them in the free pool. Only
 * when the table is new, so a restart never frees a number a customer has claimed.
 */
async function seedWhatsAppPool(client: DynamoDBClient, tableName: string): Promise<void> {
  const items = Array.from({ length: LOCAL_WHATSAPP_POOL_SIZE }, (_, index) => {
    const number = `+1555020${String(index).padStart(4, '0')}`;
    return { pk: { S: 'POOL#whatsapp#FREE' }, sk: { S: `NUMBER#${number}` }, number: { S: number }, phoneNumberId: { S: `phone-number-id-local${String(index).padStart(4, '0')}` } };
  });
  // 25 per batch (BatchWriteItem's limit); DynamoDB Local writes every item of a batch.
  for (let start = 0; start < items.length; start += 25) {
    await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}
