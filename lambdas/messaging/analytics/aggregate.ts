import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { logger } from '../../observability';
import { applyFact } from '../../repositories/analytics';
import { factsOf, type ImageRecord } from './facts';

export interface AggregateOutcome {
  readonly applied: number;
  readonly duplicates: number;
  readonly skipped: number;
}

function toImageRecord(record: DynamoDBRecord): ImageRecord | undefined {
  try {
    const image = record.dynamodb?.NewImage ? unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) : undefined;
    const created = record.dynamodb?.ApproximateCreationDateTime;
    return { eventName: record.eventName, image, writtenAt: typeof created === 'number' ? created * 1000 : Date.now() };
  } catch {
    return undefined;
  }
}

/**
 * Applies a batch of the messaging table's stream records to the daily aggregates, in order. Every fact
 * is applied once (repositories/analytics.ts `applyFact`), so a failure throws and the whole batch may be
 * delivered again: what was applied before the failure is skipped as a duplicate the second time. A record
 * that cannot be read is logged and skipped (no retry would make it readable, and it must not block the shard).
 */
export async function aggregateRecords(records: readonly DynamoDBRecord[]): Promise<AggregateOutcome> {
  let applied = 0;
  let duplicates = 0;
  let skipped = 0;
  for (const record of records) {
    const imageRecord = toImageRecord(record);
    if (!imageRecord) {
      logger.warn('A stream record we cannot read', { eventID: record.eventID });
      skipped++;
      continue;
    }
    for (const fact of factsOf(imageRecord)) {
      if ((await applyFact(fact)) === 'applied') applied++;
      else duplicates++;
    }
  }
  return { applied, duplicates, skipped };
}
