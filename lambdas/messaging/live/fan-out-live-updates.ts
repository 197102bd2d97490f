import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { connections } from '../../clients/connections';
import { logger, traceHandler } from '../../observability';
import { deleteConnection, listConnections, type LiveConnection } from '../../repositories/live-connections';
import { frameOf, visitorFrame, type RoutedFrame } from './live-frames';

interface Pending {
  /** Its record's position in the batch: the lowest that failed is where the retry starts. */
  readonly index: number;
  readonly sequenceNumber: string;
  readonly routed: RoutedFrame;
  /** The frame as staff and as a visitor see it, serialized once for every connection. */
  readonly staffData: Uint8Array;
  readonly visitorData?: Uint8Array;
}

/**
 * The messaging table's stream to every live connection of the same customer, through `@connections`.
 * Frames go to each connection in stream order (one post after the other). A connection that answers 410
 * (GoneException) is forgotten and skipped; any other failure reports the earliest record it hit
 * (ReportBatchItemFailures), so Lambda retries from there, in order: connections that already had a frame
 * may get it again, and clients drop a frame whose messageId (and status) they have applied.
 */
export const handler = (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> =>
  traceHandler('fan-out-live-updates', {}, () => fanOut(event), context);

async function fanOut(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const byCustomer = new Map<string, Pending[]>();
  event.Records.forEach((record, index) => {
    const routed = frameOf(record);
    if (!routed) return;
    const pending = byCustomer.get(routed.customerId) ?? [];
    const visitor = visitorFrame(routed.frame);
    pending.push({
      index,
      sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
      routed,
      staffData: Buffer.from(JSON.stringify(routed.frame)),
      ...(visitor ? { visitorData: Buffer.from(JSON.stringify(visitor)) } : {}),
    });
    byCustomer.set(routed.customerId, pending);
  });
  const failures = await Promise.all([...byCustomer].map(([customerId, pending]) => deliverToCustomer(customerId, pending)));
  const earliest = failures.filter((failure): failure is Pending => failure !== undefined).sort((a, b) => a.index - b.index)[0];
  return { batchItemFailures: earliest ? [{ itemIdentifier: earliest.sequenceNumber }] : [] };
}

/** The first frame that could not be delivered, if any. */
async function deliverToCustomer(customerId: string, pending: readonly Pending[]): Promise<Pending | undefined> {
  let live: LiveConnection[];
  try {
    live = await listConnections(customerId);
  } catch (error) {
    logger.warn('Could not list live connections', { customerId, error: (error as Error).name });
    return pending[0];
  }
  const failures = await Promise.all(live.map((connection) => deliverToConnection(connection, pending)));
  return failures.filter((failure): failure is Pending => failure !== undefined).sort((a, b) => a.index - b.index)[0];
}

async function deliverToConnection(connection: LiveConnection, pending: readonly Pending[]): Promise<Pending | undefined> {
  for (const item of pending) {
    const data = connection.kind === 'staff' ? item.staffData : connection.conversationId === item.routed.conversationId ? item.visitorData : undefined;
    if (!data) continue;
    try {
      await connections.send(new PostToConnectionCommand({ ConnectionId: connection.connectionId, Data: data }));
    } catch (error) {
      if (error instanceof GoneException) {
        // The client went away without $disconnect (or it has not run yet): nothing more to send it.
        await deleteConnection(connection.customerId, connection.connectionId).catch((cause: unknown) =>
          logger.warn('Could not forget a gone connection', { customerId: connection.customerId, error: (cause as Error).name }),
        );
        return undefined;
      }
      logger.warn('Posting to a live connection failed', { customerId: connection.customerId, error: (error as Error).name });
      return item;
    }
  }
  return undefined;
}
