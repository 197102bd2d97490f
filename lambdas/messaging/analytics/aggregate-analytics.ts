import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { logger, traceHandler } from '../../observability';
import { aggregateRecords, type AggregateOutcome } from './aggregate';

/**
 * The messaging table's stream consumer that keeps the per-day, per-channel analytics (README "Messaging").
 * Delivery is at least once and a failed batch comes again whole: each fact is counted exactly once by its
 * marker, so a throw here (retry the batch) is always safe.
 */
export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<AggregateOutcome> {
  return traceHandler(
    'Aggregate analytics',
    {},
    async () => {
      const outcome = await aggregateRecords(event.Records ?? []);
      logger.info('Analytics aggregated', { records: event.Records?.length ?? 0, ...outcome });
      return outcome;
    },
    context,
  );
}
