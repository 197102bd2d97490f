import { DynamoDBClient, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamConsumer } from '../lambdas/messaging/stream-consumers';
import type { HandlerLoader } from './handler-loader';
import { createLambdaContext } from './lambda-context';
import { LOCAL_REGION } from './local-env';

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly consumers: readonly StreamConsumer[];
  readonly loadHandler: HandlerLoader;
  /** Records per invocation (the event source mapping's BatchSize). @default 100 */
  readonly batchSize?: number;
  /** Attempts per batch before it is given up (MaximumRetryAttempts + 1). @default 6 */
  readonly maxAttempts?: number;
  /** Wait between polls of a shard with nothing new (ms). @default 20 */
  readonly idleMs?: number;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

const SHARD_REFRESH_MS = 5_000;

/**
 * Lambda's DynamoDB event source mapping, offline: polls each shard of the table's stream in order and
 * invokes every registry consumer with real DynamoDBStreamEvent records, one batch at a time per shard. A
 * consumer that throws gets the same batch again (with a growing pause); one that reports
 * `batchItemFailures` gets the batch again from the first reported record (ReportBatchItemFailures). After
 * `maxAttempts` the batch is logged and skipped, as the mapping sends it to its failure destination. So
 * delivery is at least once, in order per shard. Shards present at start are read from LATEST (as a new
 * mapping would), shards that appear later (DynamoDB splits and rolls them) from TRIM_HORIZON.
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamodb = new DynamoDBClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials });
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
  dynamodb.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${options.tableName} has no stream`);
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 6;
  const idleMs = options.idleMs ?? 20;
  let stopped = false;
  const known = new Set<string>();
  const loops: Promise<void>[] = [];
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const invokeWithRetries = async (consumer: StreamConsumer, records: DynamoDBRecord[]) => {
    let pending = records;
    for (let attempt = 1; pending.length > 0 && !stopped; attempt++) {
      try {
        const handler = await options.loadHandler(consumer.handler);
        const event: DynamoDBStreamEvent = { Records: pending };
        const result = (await handler(event, createLambdaContext({ functionName: consumer.id, timeoutMs: 30_000 }))) as DynamoDBBatchResponse | undefined;
        const failed = result?.batchItemFailures?.[0]?.itemIdentifier;
        if (failed === undefined) return;
        const from = pending.findIndex((record) => record.dynamodb?.SequenceNumber === failed);
        // An identifier the batch does not hold fails the whole batch, as Lambda treats it.
        if (from > 0) pending = pending.slice(from);
        if (attempt >= maxAttempts) throw new Error(`reported failure at ${failed}`);
      } catch (error) {
        if (attempt >= maxAttempts) {
          console.error(`[streams] ${consumer.id} gave up a batch of ${pending.length} after ${attempt} attempts:`, (error as Error).message);
          return;
        }
      }
      await pause(Math.min(1_000, 20 * 2 ** attempt));
    }
  };

  const pollShard = async (shardId: string, from: 'LATEST' | 'TRIM_HORIZON') => {
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: from }))).ShardIterator;
    let lastSequence: string | undefined;
    while (iterator && !stopped) {
      let page;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      } catch (error) {
        if (!(error instanceof ExpiredIteratorException) || stopped) throw error;
        iterator = (
          await streams.send(
            new GetShardIteratorCommand(
              lastSequence
                ? { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastSequence }
                : { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: from },
            ),
          )
        ).ShardIterator;
        continue;
      }
      const records = (page.Records ?? []).map((record) => lambdaRecord(record, streamArn));
      for (const consumer of options.consumers) await invokeWithRetries(consumer, records);
      lastSequence = records.at(-1)?.dynamodb?.SequenceNumber ?? lastSequence;
      iterator = page.NextShardIterator;
      if (records.length === 0) await pause(idleMs);
    }
  };

  const discover = async (initial: boolean) => {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || known.has(shard.ShardId)) continue;
      known.add(shard.ShardId);
      // At start, only open shards (closed ones hold history a new mapping at LATEST never sees).
      if (initial && shard.SequenceNumberRange?.EndingSequenceNumber) continue;
      const shardId = shard.ShardId;
      loops.push(pollShard(shardId, initial ? 'LATEST' : 'TRIM_HORIZON').catch((error: unknown) => console.error(`[streams] shard ${shardId} stopped:`, error)));
    }
  };
  await discover(true);
  const refresh = setInterval(() => {
    discover(false).catch((error: unknown) => console.error('[streams] listing shards failed:', error));
  }, SHARD_REFRESH_MS);

  return {
    stop: async () => {
      stopped = true;
      clearInterval(refresh);
      wake?.();
      // An invocation in flight may finish; one that hangs does not hold the stack's shutdown past 2 s.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(loops), new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
      streams.destroy();
    },
  };
}

/** A DynamoDB Streams record as Lambda hands it to a function (epoch seconds, the stream's ARN). */
function lambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? LOCAL_REGION,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: change.ApproximateCreationDateTime ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) : undefined,
      Keys: change.Keys as never,
      NewImage: change.NewImage as never,
      OldImage: change.OldImage as never,
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
  };
}
