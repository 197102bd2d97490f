import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayAuthorizerResult, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SignJWT } from 'jose';
import { signAccessToken } from '../../../lambdas/core/tokens';
import { handler as authorize } from '../../../lambdas/messaging/live/authorize-websocket';
import { handler as connect } from '../../../lambdas/messaging/live/connect-websocket';
import { handler as disconnect } from '../../../lambdas/messaging/live/disconnect-websocket';
import { handler as fanOut } from '../../../lambdas/messaging/live/fan-out-live-updates';
import { CONNECTION_TTL_SECONDS } from '../../../lambdas/repositories/live-connections';
import { useTestSigningKey } from '../helpers/signing-key';

const ddb = mockClient(DynamoDBDocumentClient);
const gateway = mockClient(ApiGatewayManagementApiClient);

beforeEach(() => {
  ddb.reset();
  gateway.reset();
});

describe('the $connect authorizer', () => {
  let key: Awaited<ReturnType<typeof useTestSigningKey>>;
  beforeAll(async () => {
    key = await useTestSigningKey();
  });
  const account = (plan: string, status = 'active') => ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-a', plan, status, email: 'a@example.com' } });
  const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:wsapi0000/live/$connect';
  const run = (query: Record<string, string> | null) => authorize({ type: 'REQUEST', methodArn, queryStringParameters: query } as never) as Promise<APIGatewayAuthorizerResult>;
  const visitorToken = (claims: Record<string, unknown>, options: { audience?: string; expiresAt?: number; privateKey?: typeof key.privateKey } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject('visitor-1')
      .setAudience(options.audience ?? 'stackpro-widget')
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(options.privateKey ?? key.privateKey);

  it('allows a staff access token of a business account: its customer, every event', async () => {
    account('business');
    const result = await run({ token: await signAccessToken('cust-a', key, 900) });
    expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }]);
    expect(result.context).toEqual({ customerId: 'cust-a', kind: 'staff' });
  });

  it('allows a widget visitor token: its customer and its one conversation', async () => {
    account('business');
    const result = await run({ visitorToken: await visitorToken({ cid: 'cust-a', conv: 'cv_x' }) });
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(result.context).toEqual({ customerId: 'cust-a', kind: 'visitor', visitorId: 'visitor-1', conversationId: 'cv_x' });
  });

  it('denies (403) a valid token of a starter or unverified account, before any connection is recorded', async () => {
    account('starter');
    expect((await run({ token: await signAccessToken('cust-a', key, 900) })).policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    account('business', 'pending_verification');
    expect((await run({ token: await signAccessToken('cust-a', key, 900) })).policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses (401) no token, both tokens, a forged, expired or wrong-audience token, and a token in the other parameter', async () => {
    account('business');
    const other = await useTestSigningKey();
    const staff = await signAccessToken('cust-a', key, 900);
    // The mocked secrets now serve `other`'s keys: put ours back for the cases signed with them.
    const ours = await useTestSigningKey();
    const forgedStaff = await signAccessToken('cust-a', other, 900);
    const cases: (Record<string, string> | null)[] = [
      null,
      {},
      { token: 'not a jwt' },
      { token: await signAccessToken('cust-a', ours, 900), visitorToken: await visitorToken({ cid: 'cust-a', conv: 'cv_x' }, { privateKey: ours.privateKey }) },
      { token: forgedStaff },
      { token: staff },
      { visitorToken: await signAccessToken('cust-a', ours, 900) },
      { token: await visitorToken({ cid: 'cust-a', conv: 'cv_x' }, { privateKey: ours.privateKey }) },
      { visitorToken: await visitorToken({ cid: 'cust-a', conv: 'cv_x' }, { privateKey: ours.privateKey, expiresAt: Math.floor(Date.now() / 1000) - 10 }) },
      { visitorToken: await visitorToken({ cid: 'cust-a', conv: 'cv_x' }, { privateKey: ours.privateKey, audience: 'stackpro-api' }) },
      { visitorToken: await visitorToken({ cid: 'cust-a' }, { privateKey: ours.privateKey }) },
    ];
    for (const query of cases) await expect(run(query)).rejects.toThrow(/^Unauthorized$/);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});

describe('$connect and $disconnect', () => {
  const event = (authorizer: unknown) => ({ requestContext: { connectionId: 'conn-1', routeKey: '$connect', authorizer } }) as never;

  it('records a staff connection under its customer with a TTL a little over API Gateway\'s 2 hours', async () => {
    const now = Date.now();
    expect(await connect(event({ customerId: 'cust-a', kind: 'staff', principalId: 'cust-a' }))).toMatchObject({ statusCode: 200 });
    const item = ddb.commandCalls(PutCommand)[0].args[0].input.Item!;
    expect(item).toMatchObject({ pk: 'CUSTOMER#cust-a#LIVE', sk: 'CONN#conn-1', connectionId: 'conn-1', kind: 'staff' });
    expect(item.ttl).toBeGreaterThanOrEqual(Math.floor(now / 1000) + CONNECTION_TTL_SECONDS);
    expect(CONNECTION_TTL_SECONDS).toBeGreaterThan(2 * 3600);
  });

  it('records a visitor connection with its one conversation', async () => {
    await connect(event({ customerId: 'cust-a', kind: 'visitor', visitorId: 'v-1', conversationId: 'cv_x' }));
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.Item).toMatchObject({ pk: 'CUSTOMER#cust-a#LIVE', kind: 'visitor', visitorId: 'v-1', conversationId: 'cv_x' });
  });

  it('refuses a $connect without the authorizer\'s identity and records nothing', async () => {
    expect(await connect(event(undefined))).toMatchObject({ statusCode: 403 });
    expect(await connect(event({ customerId: 'cust-a', kind: 'admin' }))).toMatchObject({ statusCode: 403 });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('forgets the connection at $disconnect, in its own customer\'s partition', async () => {
    expect(await disconnect(event({ customerId: 'cust-b', kind: 'staff' }))).toMatchObject({ statusCode: 200 });
    expect(ddb.commandCalls(DeleteCommand)[0].args[0].input.Key).toEqual({ pk: 'CUSTOMER#cust-b#LIVE', sk: 'CONN#conn-1' });
  });
});

describe('the stream fan-out', () => {
  const future = Math.floor(Date.now() / 1000) + 3600;
  const connection = (customerId: string, connectionId: string, extra: Record<string, unknown> = { kind: 'staff' }) => ({
    pk: `CUSTOMER#${customerId}#LIVE`,
    sk: `CONN#${connectionId}`,
    type: 'connection',
    connectionId,
    customerId,
    ttl: future,
    ...extra,
  });
  let sequence = 100;
  const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', item: Record<string, unknown>): DynamoDBRecord => ({
    eventName,
    dynamodb: { SequenceNumber: String(sequence++), NewImage: marshall(item, { removeUndefinedValues: true }) as never },
  });
  const message = (customerId: string, conversationId: string, messageId: string, overrides: Record<string, unknown> = {}) => ({
    pk: `CUSTOMER#${customerId}#CONV#${conversationId}`,
    sk: `MSG#2026-12-01T12:00:00.000Z#${messageId}`,
    type: 'message',
    customerId,
    conversationId,
    messageId,
    direction: 'out',
    text: `text ${messageId}`,
    sentAt: '2026-12-01T12:00:00.000Z',
    status: 'queued',
    author: customerId,
    ...overrides,
  });
  const conversation = (customerId: string, conversationId: string) => ({
    pk: `CUSTOMER#${customerId}#CONV#${conversationId}`,
    sk: 'CONV',
    type: 'conversation',
    conversationId,
    channel: 'sms',
    contact: '+14255550100',
    status: 'open',
    unreadCount: 3,
    lastMessageAt: '2026-12-01T12:00:00.000Z',
    assignee: 'ada',
    labels: ['vip'],
  });
  const serve = (connections: Record<string, Record<string, unknown>[]>) =>
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
      Items: connections[input.ExpressionAttributeValues[':pk'].replace(/^CUSTOMER#|#LIVE$/g, '')] ?? [],
    }));
  const framesTo = () => {
    const posted: Record<string, unknown[]> = {};
    for (const call of gateway.commandCalls(PostToConnectionCommand)) {
      const { ConnectionId, Data } = call.args[0].input;
      (posted[ConnectionId!] ??= []).push(JSON.parse(Buffer.from(Data as Uint8Array).toString('utf8')));
    }
    return posted;
  };
  const run = (records: DynamoDBRecord[]) => fanOut({ Records: records } as DynamoDBStreamEvent) as Promise<DynamoDBBatchResponse>;

  it('posts each change, in stream order, to every connection of the same customer and none of another', async () => {
    serve({ a: [connection('a', 'a1'), connection('a', 'a2')], b: [connection('b', 'b1')] });
    gateway.on(PostToConnectionCommand).resolves({});
    const result = await run([
      record('INSERT', message('a', 'cv_a', 'm1')),
      record('INSERT', message('b', 'cv_b', 'm2')),
      record('MODIFY', message('a', 'cv_a', 'm1', { status: 'sent' })),
      record('MODIFY', conversation('a', 'cv_a')),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    const posted = framesTo();
    const expectedForA = [
      { type: 'message.created', conversationId: 'cv_a', message: { messageId: 'm1', direction: 'out', text: 'text m1', sentAt: '2026-12-01T12:00:00.000Z', status: 'queued', author: 'a' } },
      { type: 'message.status', conversationId: 'cv_a', messageId: 'm1', status: 'sent' },
      { type: 'conversation.updated', conversationId: 'cv_a', conversation: expect.objectContaining({ conversationId: 'cv_a', unreadCount: 3, assignee: 'ada', labels: ['vip'] }) },
    ];
    expect(posted.a1).toEqual(expectedForA);
    expect(posted.a2).toEqual(expectedForA);
    expect(posted.b1).toEqual([expect.objectContaining({ type: 'message.created', conversationId: 'cv_b', message: expect.objectContaining({ messageId: 'm2' }) })]);
    // One Query per customer in the batch, each of that customer's own partition.
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues![':pk']).sort()).toEqual(['CUSTOMER#a#LIVE', 'CUSTOMER#b#LIVE']);
  });

  it('gives a visitor only message frames of its own conversation, without staff fields', async () => {
    serve({ a: [connection('a', 'v1', { kind: 'visitor', visitorId: 'v-1', conversationId: 'cv_a' }), connection('a', 'v2', { kind: 'visitor', visitorId: 'v-2', conversationId: 'cv_other' })] });
    gateway.on(PostToConnectionCommand).resolves({});
    await run([record('INSERT', message('a', 'cv_a', 'm1')), record('MODIFY', conversation('a', 'cv_a')), record('MODIFY', message('a', 'cv_a', 'm1', { status: 'delivered' }))]);
    const posted = framesTo();
    expect(posted.v1).toEqual([
      { type: 'message.created', conversationId: 'cv_a', message: { messageId: 'm1', direction: 'out', text: 'text m1', sentAt: '2026-12-01T12:00:00.000Z', status: 'queued' } },
      { type: 'message.status', conversationId: 'cv_a', messageId: 'm1', status: 'delivered' },
    ]);
    expect(posted.v2).toBeUndefined();
  });

  it('forgets a connection that answers 410 Gone, stops posting to it, and still delivers to the others', async () => {
    serve({ a: [connection('a', 'gone'), connection('a', 'a1')] });
    gateway
      .on(PostToConnectionCommand, { ConnectionId: 'gone' })
      .rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }))
      .on(PostToConnectionCommand, { ConnectionId: 'a1' })
      .resolves({});
    const result = await run([record('INSERT', message('a', 'cv_a', 'm1')), record('INSERT', message('a', 'cv_a', 'm2'))]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(gateway.commandCalls(PostToConnectionCommand, { ConnectionId: 'gone' })).toHaveLength(1);
    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([{ pk: 'CUSTOMER#a#LIVE', sk: 'CONN#gone' }]);
    expect(framesTo().a1).toHaveLength(2);
  });

  it('skips connection records past their TTL (DynamoDB deletes expired items lazily)', async () => {
    serve({ a: [connection('a', 'stale', { kind: 'staff', ttl: Math.floor(Date.now() / 1000) - 1 })] });
    await run([record('INSERT', message('a', 'cv_a', 'm1'))]);
    expect(gateway.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it('makes no frame of routing, dedupe, connection or deleted items', async () => {
    serve({ a: [connection('a', 'a1')] });
    gateway.on(PostToConnectionCommand).resolves({});
    await run([
      record('INSERT', connection('a', 'a2')),
      record('INSERT', { pk: 'CUSTOMER#a#PROVIDER#sms#p-1', sk: 'PROVIDER', conversationId: 'cv_a' }),
      record('INSERT', { pk: 'ROUTE#sms#+15550100', sk: 'ROUTE', customerId: 'a' }),
      record('INSERT', { pk: 'CUSTOMER#a#CONV#cv_a', sk: 'SEND#m1', messageSk: 'MSG#x' }),
      record('REMOVE', message('a', 'cv_a', 'm1')),
    ]);
    expect(gateway.commandCalls(PostToConnectionCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('on any other failure reports the earliest undelivered record, and a redelivered batch posts the same frames again (clients dedupe by messageId)', async () => {
    serve({ a: [connection('a', 'a1'), connection('a', 'a2')] });
    gateway
      .on(PostToConnectionCommand, { ConnectionId: 'a1' })
      .resolves({})
      .on(PostToConnectionCommand, { ConnectionId: 'a2' })
      .resolvesOnce({})
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' }))
      .resolves({});
    const records = [record('INSERT', message('a', 'cv_a', 'm1')), record('INSERT', message('a', 'cv_a', 'm2')), record('INSERT', message('a', 'cv_a', 'm3'))];
    const first = await run(records);
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: records[1].dynamodb!.SequenceNumber }] });
    // Lambda retries from the reported record: m2 and m3 again, to both connections.
    expect(await run(records.slice(1))).toEqual({ batchItemFailures: [] });
    const ids = (frames: unknown[]) => (frames as { message: { messageId: string } }[]).map((frame) => frame.message.messageId);
    const posted = framesTo();
    expect(ids(posted.a1)).toEqual(['m1', 'm2', 'm3', 'm2', 'm3']);
    // a2's posts: m1, m2 (refused; nothing after it in that attempt), then the retry's m2 and m3.
    expect(ids(posted.a2)).toEqual(['m1', 'm2', 'm2', 'm3']);
    // What a client keeps after dropping frames whose messageId it already applied: each message once, in order.
    expect([...new Set(ids(posted.a1))]).toEqual(['m1', 'm2', 'm3']);
  });

  it('reports the customer\'s first record when its connections cannot be listed, and still serves the other customer', async () => {
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CUSTOMER#a#LIVE' } }).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'CUSTOMER#b#LIVE' } }).resolves({ Items: [connection('b', 'b1')] });
    gateway.on(PostToConnectionCommand).resolves({});
    const records = [record('INSERT', message('b', 'cv_b', 'm0')), record('INSERT', message('a', 'cv_a', 'm1'))];
    expect(await run(records)).toEqual({ batchItemFailures: [{ itemIdentifier: records[1].dynamodb!.SequenceNumber }] });
    expect(Object.keys(framesTo())).toEqual(['b1']);
  });
});
