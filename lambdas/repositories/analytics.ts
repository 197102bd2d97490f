import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { FIRST_RESPONSE_PREFIX, MARKER_DAYS, RESOLUTION_PREFIX, type Fact } from '../messaging/analytics/facts';
import type { DayAggregate } from '../messaging/analytics/report';
import type { Channel } from '../messaging/model';
import { messagingKeys } from './messaging-keys';
import { cancellationCodes, withConflictRetry } from './transactions';

const INCREMENT = /^(incoming|outgoing|opened|resolved|(frt|res)_\d{1,4})$/;

/**
 * Counts a fact exactly once: its marker (which must not exist yet) and the day's counters in one
 * transaction. A redelivered record, a retried batch or a later image carrying the same fact finds the
 * marker and changes nothing.
 */
export async function applyFact(fact: Fact, now = Date.now()): Promise<'applied' | 'duplicate'> {
  const TableName = config.messagingTableName();
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':customerId': fact.customerId, ':channel': fact.channel, ':date': fact.date };
  const adds = Object.entries(fact.increments).map(([attribute, by], index) => {
    // Attribute names come from facts.ts, never from input; still, nothing else may be written.
    if (!INCREMENT.test(attribute) || !Number.isInteger(by)) throw new Error(`Not an analytics counter: ${attribute}`);
    names[`#a${index}`] = attribute;
    values[`:a${index}`] = by;
    return `#a${index} :a${index}`;
  });
  try {
    await withConflictRetry(() =>
      dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: { ...messagingKeys.analyticsFact(fact.customerId, fact.factId), type: 'analyticsFact', ttl: Math.floor(now / 1000) + MARKER_DAYS * 86_400 },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName,
                Key: messagingKeys.analyticsDay(fact.customerId, fact.channel, fact.date),
                UpdateExpression: `SET #type = :type, customerId = :customerId, channel = :channel, #date = :date ADD ${adds.join(', ')}`,
                ExpressionAttributeNames: { ...names, '#type': 'type', '#date': 'date' },
                ExpressionAttributeValues: { ...values, ':type': 'analyticsDay' },
              },
            },
          ],
        }),
      ),
    );
    return 'applied';
  } catch (error) {
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return 'duplicate';
    throw error;
  }
}

function toAggregate(item: Record<string, unknown>): DayAggregate {
  const histogram = (prefix: string) => {
    const counts: Record<number, number> = {};
    for (const [attribute, value] of Object.entries(item)) {
      if (attribute.startsWith(prefix) && typeof value === 'number' && value > 0) counts[Number(attribute.slice(prefix.length))] = value;
    }
    return counts;
  };
  const counter = (name: 'incoming' | 'outgoing' | 'opened' | 'resolved') => (typeof item[name] === 'number' ? (item[name] as number) : 0);
  return {
    date: item.sk as string,
    channel: item.channel as Channel,
    incoming: counter('incoming'),
    outgoing: counter('outgoing'),
    opened: counter('opened'),
    resolved: counter('resolved'),
    firstResponse: histogram(FIRST_RESPONSE_PREFIX),
    resolution: histogram(RESOLUTION_PREFIX),
  };
}

/** The customer's daily aggregates from `from` to `to` (inclusive), one Query per channel: no scan, no filter. */
export async function listDayAggregates(customerId: string, channels: readonly Channel[], from: string, to: string): Promise<DayAggregate[]> {
  const perChannel = await Promise.all(
    channels.map(async (channel) => {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: config.messagingTableName(),
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': messagingKeys.analyticsPartition(customerId, channel), ':from': from, ':to': to },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items.map(toAggregate);
    }),
  );
  return perChannel.flat();
}
