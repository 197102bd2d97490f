import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

/**
 * Every record of a DynamoDB Local table's stream, from the start of each shard to its end, as Lambda's event
 * source mapping hands them to a consumer (`DynamoDBStreamEvent.Records`: epoch-second creation times). For
 * tests that drive a stream consumer (the analytics aggregator) without the local stack's poller.
 * `keep` picks records (e.g. only some customers' items) so a shared table's other records are left alone.
 */
export async function readStreamRecords(client: DynamoDBClient, tableName: string, keep: (record: DynamoDBRecord) => boolean = () => true): Promise<DynamoDBRecord[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tableName} has no stream`);
  const streams = new DynamoDBStreamsClient({ region: await client.config.region(), endpoint: await endpointOf(client), credentials: client.config.credentials });
  try {
    const records: DynamoDBRecord[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
      for (const shard of StreamDescription?.Shards ?? []) {
        let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
        while (iterator) {
          const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          records.push(...(page.Records ?? []).map(toLambdaRecord).filter(keep));
          // An open shard hands out iterators forever: an empty page means it has nothing more for now.
          iterator = (page.Records ?? []).length > 0 ? page.NextShardIterator : undefined;
        }
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return records;
  } finally {
    streams.destroy();
  }
}

async function endpointOf(client: DynamoDBClient): Promise<string | undefined> {
  const endpoint = client.config.endpoint ? await client.config.endpoint() : undefined;
  return endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}` : process.env.AWS_ENDPOINT_URL_DYNAMODB;
}

function toLambdaRecord(record: _Record): DynamoDBRecord {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    eventVersion: record.eventVersion,
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(record.dynamodb as unknown as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
    },
  };
}
