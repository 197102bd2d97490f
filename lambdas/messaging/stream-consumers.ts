/**
 * The consumers of the messaging table's DynamoDB stream: CDK (lib/messaging-websocket.ts and the parts that
 * follow) adds an event source mapping per entry, and the local stack's stream poller (local/dynamodb-streams.ts)
 * invokes each entry with the same batches, retried as Lambda's event source mapping retries them. Each
 * handler takes a DynamoDBStreamEvent and may answer `{batchItemFailures}` (ReportBatchItemFailures).
 */
export const STREAM_CONSUMERS = [
  { id: 'FanOutLiveUpdates', handler: 'messaging/live/fan-out-live-updates', builtBy: 'websocket' },
  { id: 'AggregateAnalytics', handler: 'messaging/analytics/aggregate-analytics', builtBy: 'analytics' },
] as const satisfies readonly StreamConsumer[];

export interface StreamConsumer {
  /** The function's construct id (never renamed). */
  readonly id: string;
  /** Handler module under lambdas/, without extension. */
  readonly handler: string;
  /** The construct that deploys it with its own grants: lib/messaging-websocket.ts or lib/messaging-analytics.ts. */
  readonly builtBy: 'websocket' | 'analytics';
}

