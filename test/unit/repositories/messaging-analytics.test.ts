import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, dynamodbClient } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import { handler } from '../../../lambdas/messaging/analytics/aggregate-analytics';
import { aggregateRecords } from '../../../lambdas/messaging/analytics/aggregate';
import { bucketOf, RELATIVE_ERROR } from '../../../lambdas/messaging/analytics/histogram';
import { analyticsReport } from '../../../lambdas/messaging/analytics/read-analytics';
import { conversationIdFor, type Channel } from '../../../lambdas/messaging/model';
import { listDayAggregates } from '../../../lambdas/repositories/analytics';
import { setConversationStatus, updateConversationDetails } from '../../../lambdas/repositories/conversations';
import { recordInbound, recordOutbound } from '../../../lambdas/repositories/messages';
import { messagingKeys } from '../../../lambdas/repositories/messaging-keys';
import { readStreamRecords } from '../../../local/messaging-stream-records';

/**
 * The analytics end to end on DynamoDB Local: conversations written by the real write paths, their stream
 * records read from DynamoDB Local's own stream, applied by the real aggregator (as Lambda would deliver
 * them: again, at once, and after a failure part-way), and read back by the route's service.
 */
jest.setTimeout(60_000);

const newCustomer = () => `c${randomUUID().replace(/-/g, '')}`;
const CONTACT = '+14255550182';
const DAY_MS = 86_400_000;
/** Today's UTC midnight: the conversation below starts 10 s before it, on yesterday. */
const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const at = (offsetSeconds: number) => new Date(midnight + offsetSeconds * 1000).toISOString();
const yesterday = at(-DAY_MS / 1000).slice(0, 10);
const today = at(0).slice(0, 10);

const inbound = (customerId: string, channel: Channel, sentAt: string) => {
  const providerMessageId = randomUUID();
  return recordInbound(customerId, { channel, contact: CONTACT, providerMessageId, text: 'hi', sentAt, conversationId: conversationIdFor(customerId, channel, CONTACT), messageId: `msg_${providerMessageId}` });
};
const reply = (customerId: string, channel: Channel, sentAt: string) =>
  recordOutbound(customerId, { conversationId: conversationIdFor(customerId, channel, CONTACT), channel, messageId: `out_${randomUUID()}`, text: 'hello', author: customerId, sentAt });

/** The stream records of these customers' items, in stream order. */
const recordsOf = (...customers: string[]) =>
  readStreamRecords(dynamodbClient, config.messagingTableName(), (record: DynamoDBRecord) => customers.includes(record.dynamodb?.NewImage?.customerId?.S ?? ''));
const within = (reported: number | undefined, exact: number) => Math.abs((reported ?? NaN) - exact) <= exact * RELATIVE_ERROR + 0.5;

describe('episodes on the conversation (the write paths)', () => {
  it('the burst: staff reopens and client messages racing on a resolved conversation open exactly one new episode', async () => {
    const customer = newCustomer();
    const conversationId = conversationIdFor(customer, 'sms', CONTACT);
    await inbound(customer, 'sms', at(0));
    await Promise.all(Array.from({ length: 10 }, () => setConversationStatus(customer, conversationId, 'resolved', new Date(at(60)))));
    const resolved = (await dynamodb.send(new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.conversation(customer, conversationId), ConsistentRead: true }))).Item!;
    expect(resolved).toMatchObject({ status: 'resolved', episode: 1, openedAt: at(0), episodeOpenedBy: 'in', resolvedAt: at(60) });

    await Promise.all([
      ...Array.from({ length: 10 }, () => setConversationStatus(customer, conversationId, 'open', new Date(at(120)))),
      ...Array.from({ length: 10 }, (_, i) => inbound(customer, 'sms', at(120 + i))),
    ]);
    const reopened = (await dynamodb.send(new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.conversation(customer, conversationId), ConsistentRead: true }))).Item!;
    expect(reopened).toMatchObject({ status: 'open', episode: 2, unreadCount: 11 });
    expect(reopened.resolvedAt).toBeUndefined();
    expect(reopened.firstResponseAt).toBeUndefined();
    await reply(customer, 'sms', at(200));
    await reply(customer, 'sms', at(300));
    const answered = (await dynamodb.send(new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.conversation(customer, conversationId), ConsistentRead: true }))).Item!;
    expect(answered.firstResponseAt).toBe(at(200));
  });
});

describe('the analytics aggregator on the real stream', () => {
  it('counts messages, episodes, first responses and resolutions per UTC day and channel, once, and only the customer\'s own', async () => {
    const [a, b] = [newCustomer(), newCustomer()];
    const conversationA = conversationIdFor(a, 'sms', CONTACT);
    await inbound(a, 'sms', at(-10)); // opens episode 1, yesterday
    await reply(a, 'sms', at(20)); // first response 30 s, today
    await reply(a, 'sms', at(40)); // not a first response
    await setConversationStatus(a, conversationA, 'resolved', new Date(at(3600))); // resolution 3,610 s
    await setConversationStatus(a, conversationA, 'resolved', new Date(at(4000))); // again: nothing new
    await inbound(a, 'sms', at(7200)); // reopens: episode 2
    await reply(a, 'sms', at(7210)); // first response 10 s
    await setConversationStatus(a, conversationA, 'resolved', new Date(at(7300))); // resolution 100 s
    await setConversationStatus(a, conversationA, 'open', new Date(at(7400))); // staff reopen: episode 3, no first-response clock
    await reply(a, 'sms', at(7500));
    await updateConversationDetails(a, conversationA, { labels: ['vip'] }); // one more image carrying old facts
    await inbound(b, 'whatsapp', at(100)); // the other tenant, same contact

    const records = await recordsOf(a, b);
    const first = await handler({ Records: records });
    expect(first).toMatchObject({ applied: 15, skipped: 0 });
    // The whole batch delivered again changes nothing.
    expect(await handler({ Records: records })).toMatchObject({ applied: 0, duplicates: first.applied + first.duplicates });

    const rowsA = await listDayAggregates(a, ['sms', 'whatsapp'], yesterday, today);
    expect(rowsA).toEqual([
      { date: yesterday, channel: 'sms', incoming: 1, outgoing: 0, opened: 1, resolved: 0, firstResponse: {}, resolution: {} },
      {
        date: today,
        channel: 'sms',
        incoming: 1,
        outgoing: 4,
        opened: 2,
        resolved: 2,
        firstResponse: { [bucketOf(30)]: 1, [bucketOf(10)]: 1 },
        resolution: { [bucketOf(3610)]: 1, [bucketOf(100)]: 1 },
      },
    ]);
    const report = await analyticsReport(a, { from: yesterday, to: today });
    expect(report.totals).toMatchObject({ incoming: 2, outgoing: 4, opened: 3, resolved: 2 });
    expect(within(report.totals.firstResponse.medianSeconds, 10) && within(report.totals.firstResponse.p90Seconds, 30)).toBe(true);
    expect(within(report.totals.resolution.medianSeconds, 100) && within(report.totals.resolution.p90Seconds, 3610)).toBe(true);

    // The other customer: its own WhatsApp conversation only, none of A's.
    expect(await listDayAggregates(b, ['sms', 'whatsapp'], yesterday, today)).toEqual([
      { date: today, channel: 'whatsapp', incoming: 1, outgoing: 0, opened: 1, resolved: 0, firstResponse: {}, resolution: {} },
    ]);
    expect((await analyticsReport(a, { from: yesterday, to: today, channel: 'whatsapp' })).rows).toEqual([]);
  });

  it('a batch that failed part-way and is delivered again (three times at once) counts every fact exactly once', async () => {
    const customer = newCustomer();
    for (let i = 0; i < 4; i++) {
      await inbound(customer, 'sms', at(1000 + i * 100));
      await reply(customer, 'sms', at(1010 + i * 100));
    }
    const records = await recordsOf(customer);
    let writes = 0;
    const failFifth = 'failFifthAnalyticsWrite';
    dynamodbClient.middlewareStack.add(
      (next) => async (args) => {
        if ((args.input as { TransactItems?: unknown }).TransactItems && ++writes === 5) throw Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
        return next(args);
      },
      { step: 'initialize', name: failFifth },
    );
    try {
      await expect(aggregateRecords(records)).rejects.toThrow('Throughput exceeded');
    } finally {
      dynamodbClient.middlewareStack.remove(failFifth);
    }
    const partial = await listDayAggregates(customer, ['sms'], today, today);
    const counted = partial[0]!.incoming + partial[0]!.outgoing + partial[0]!.opened + Object.values(partial[0]!.firstResponse).reduce((sum, n) => sum + n, 0);
    // Some facts were counted before the failure (later images repeat facts: not every write is a new one).
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(10);

    const retries = await Promise.all([aggregateRecords(records), aggregateRecords(records), aggregateRecords(records)]);
    // 4 in, 4 out, 1 opened, 1 first response: 10 facts; the rest are counted by exactly one of the retries.
    expect(retries.reduce((sum, outcome) => sum + outcome.applied, 0)).toBe(10 - counted);
    expect(await listDayAggregates(customer, ['sms'], today, today)).toEqual([
      { date: today, channel: 'sms', incoming: 4, outgoing: 4, opened: 1, resolved: 0, firstResponse: { [bucketOf(10)]: 1 }, resolution: {} },
    ]);
  });
});
