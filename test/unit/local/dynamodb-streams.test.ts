import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { startStreamPoller } from '../../../local/dynamodb-streams';

const ddb = mockClient(DynamoDBClient);
const streams = mockClient(DynamoDBStreamsClient);
const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/1';

beforeEach(() => {
  ddb.reset();
  streams.reset();
  ddb.on(DescribeTableCommand).resolves({ Table: { LatestStreamArn: STREAM } });
  streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1', SequenceNumberRange: { StartingSequenceNumber: '1' } }] } });
  streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
  const record = (sequence: string) => ({ eventID: `e${sequence}`, eventName: 'INSERT' as const, dynamodb: { SequenceNumber: sequence, NewImage: { pk: { S: `k${sequence}` } }, ApproximateCreationDateTime: new Date(1_700_000_000_000) } });
  streams
    .on(GetRecordsCommand, { ShardIterator: 'it-0' })
    .resolves({ Records: [record('1'), record('2'), record('3')], NextShardIterator: 'it-1' })
    .on(GetRecordsCommand, { ShardIterator: 'it-1' })
    .resolves({ Records: [], NextShardIterator: 'it-1' });
});

/** Runs the poller until `done` says so; returns the sequence numbers of each invocation. */
async function poll(respond: (call: number) => unknown, done: (calls: string[][]) => boolean): Promise<{ calls: string[][]; events: DynamoDBStreamEvent[] }> {
  const calls: string[][] = [];
  const events: DynamoDBStreamEvent[] = [];
  const poller = await startStreamPoller({
    endpoint: 'http://127.0.0.1:1',
    tableName: 't',
    consumers: [{ id: 'Consumer', handler: 'x', builtBy: 'websocket' }],
    idleMs: 1,
    maxAttempts: 3,
    loadHandler: async () => async (event: unknown) => {
      events.push(event as DynamoDBStreamEvent);
      calls.push((event as DynamoDBStreamEvent).Records.map((record) => record.dynamodb!.SequenceNumber!));
      return respond(calls.length);
    },
  });
  const deadline = Date.now() + 5_000;
  while (!done(calls) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await poller.stop();
  return { calls, events };
}

describe('the local stream poller (Lambda\'s event source mapping)', () => {
  it('invokes the consumer with Lambda-shaped DynamoDB records, in shard order', async () => {
    const { calls, events } = await poll(() => ({ batchItemFailures: [] }), (seen) => seen.length >= 1);
    expect(calls).toEqual([['1', '2', '3']]);
    expect(events[0].Records[0]).toMatchObject({ eventSource: 'aws:dynamodb', eventSourceARN: STREAM, eventName: 'INSERT', dynamodb: { ApproximateCreationDateTime: 1_700_000_000, Keys: undefined, NewImage: { pk: { S: 'k1' } } } });
  });

  it('retries from the first reported failure (ReportBatchItemFailures), then moves on', async () => {
    const { calls } = await poll((call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: '2' }] } : {}), (seen) => seen.length >= 2);
    expect(calls).toEqual([['1', '2', '3'], ['2', '3']]);
  });

  it('retries a batch whose invocation throws, and gives it up after the last attempt', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const movedOn = () => streams.commandCalls(GetRecordsCommand, { ShardIterator: 'it-1' }).length > 0;
    const { calls } = await poll(() => {
      throw new Error('boom');
    }, movedOn);
    expect(calls).toEqual([['1', '2', '3'], ['1', '2', '3'], ['1', '2', '3']]);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('gave up a batch of 3 after 3 attempts'), 'boom');
    logged.mockRestore();
  });
});
