import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { readStreamRecords } from '../../local/messaging-stream-records';
import { call, edgeBase, newSignup, signUpVerified } from './api-client';

/**
 * Analytics on the shared local stack, two business customers at once: clients write in through the sandbox,
 * staff reply and resolve through the API, and the messaging table's real stream (DynamoDB Local's) is applied
 * by the real consumer handler in this process, twice (a redelivery), through local/messaging-stream-records.ts.
 * Until the local stack's stream poller invokes the registered consumers (part "ws"), this is how the
 * aggregator is driven; the routes are the stack's own.
 */
interface Staff {
  readonly customerId: string;
  readonly accessToken: string;
  sms?: string;
}

const CLIENT = '+14255550111';
const api = (staff: Staff, path: string, json?: unknown, method = json === undefined ? 'GET' : 'POST') => call(method, path, { token: staff.accessToken, json });
const inbound = (to: string, text: string) =>
  fetch(`${edgeBase()}/_sandbox/messaging/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'sms', from: CLIENT, to, text }) });

let a: Staff;
let b: Staff;
let aggregate: (records: DynamoDBRecord[]) => Promise<{ applied: number }>;

beforeAll(async () => {
  const dynamoDbUrl = process.env.STACKPRO_DYNAMODB_URL;
  if (!dynamoDbUrl) throw new Error('STACKPRO_DYNAMODB_URL is not set (test/integration/global-setup.ts)');
  // The consumer's settings, as the local stack gives its Lambdas (local/local-env.ts).
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: edgeBase(),
    TABLE_NAME: 'stackpro-local',
    MESSAGING_TABLE_NAME: 'stackpro-local-messaging',
    MESSAGING_SMS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:stackpro-local-sms',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const { allocateMessagingChannels } = await import('../../lambdas/messaging/allocate-channels');
  const { handler } = await import('../../lambdas/messaging/analytics/aggregate-analytics');
  aggregate = (records) => handler({ Records: records });
  [a, b] = await Promise.all(
    [0, 1].map(async () => {
      const res = await signUpVerified(newSignup({ plan: 'business' }));
      return { customerId: res.body.customerId as string, accessToken: res.body.accessToken as string };
    }),
  );
  for (const staff of [a, b]) {
    expect(await allocateMessagingChannels(staff.customerId, `test-${staff.customerId}`)).toMatchObject({ allocated: true });
    staff.sms = (await api(staff, '/messaging/channels')).body.sms.number as string;
  }
});

it('counts each customer\'s own messages and conversations once, answers them as JSON and CSV, and finds a contact', async () => {
  // Both customers' clients write at once; A answers and resolves.
  expect((await Promise.all([inbound(a.sms!, 'hi A'), inbound(b.sms!, 'hi B'), inbound(b.sms!, 'again B')])).map((res) => res.status)).toEqual([202, 202, 202]);
  const [found] = (await api(a, '/messaging/conversations?contact=%2B14255550111')).body.items as { conversationId: string; channel: string }[];
  expect(found).toMatchObject({ channel: 'sms' });
  expect((await api(b, `/messaging/conversations?contact=${encodeURIComponent(CLIENT)}`)).body.items.map((item: { conversationId: string }) => item.conversationId)).not.toContain(found!.conversationId);
  expect((await api(a, `/messaging/conversations/${found!.conversationId}/messages`, { text: 'Hello!' })).status).toBe(201);
  expect((await api(a, `/messaging/conversations/${found!.conversationId}/resolve`, {})).status).toBe(200);

  const ours = (record: DynamoDBRecord) => [a.customerId, b.customerId].includes(record.dynamodb?.NewImage?.customerId?.S ?? '');
  const records = await readStreamRecords(new DynamoDBClient({ endpoint: process.env.STACKPRO_DYNAMODB_URL }), 'stackpro-local-messaging', ours);
  // A: in, out, opened, first response, resolved; B: 2 in, opened. The local stack's stream poller delivers them to
  // the same consumer too (some may be counted already): delivered once more, nothing new is counted.
  await aggregate(records);
  expect((await aggregate(records)).applied).toBe(0);

  const today = new Date().toISOString().slice(0, 10);
  const query = `from=${today}&to=${today}`;
  const [ofA, ofB] = await Promise.all([api(a, `/messaging/analytics?${query}`), api(b, `/messaging/analytics?${query}`)]);
  expect(ofA.status).toBe(200);
  expect(ofA.body.rows).toEqual([
    expect.objectContaining({ date: today, channel: 'sms', incoming: 1, outgoing: 1, opened: 1, resolved: 1, firstResponse: expect.objectContaining({ count: 1 }), resolution: expect.objectContaining({ count: 1 }) }),
  ]);
  expect(ofB.body.totals).toMatchObject({ incoming: 2, outgoing: 0, opened: 1, resolved: 0, firstResponse: { count: 0 } });

  const csv = await call('GET', `/messaging/analytics.csv?${query}&channel=sms`, { token: a.accessToken });
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="messaging-analytics-${today}-to-${today}-sms.csv"`);
  expect(csv.text.split('\r\n').slice(1, 2).map((line) => line.split(',').slice(0, 6).join(','))).toEqual([`${today},sms,1,1,1,1`]);

  const bad = await api(a, `/messaging/analytics?from=${today}&to=2000-01-01`);
  expect([bad.status, bad.body.error.code, bad.body.error.details.map((detail: { field: string }) => detail.field)]).toEqual([400, 'VALIDATION_FAILED', ['to']]);
});
