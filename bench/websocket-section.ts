import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { type Account, dynamoDbClient, LOCAL_TABLE_NAME, signUpVerified, signupBody } from './api-latency';
import { runLoad } from './load';
import { type BenchStack, withLocalStack } from './local-stack';
import { round, summarize, type LatencySummary } from './stats';
import { printTable } from './table';

export interface WebSocketBenchOptions {
  readonly customers: number;
  /** WebSocket clients per customer (staff sockets, each receiving every frame of its customer). */
  readonly clientsPerCustomer: number;
  /** Messages exchanged: half clients writing in (the sandbox's inbound SMS), half staff replies. */
  readonly messages: number;
  /** Senders at once. */
  readonly concurrency: number;
  /** Floor samples: one bare PutItem plus one @connections post, each waited for at the client. */
  readonly floorSamples: number;
  /** Messages started per second (paced, open loop), or 0 for as fast as the senders go. */
  readonly ratePerSecond: number;
}

export interface WebSocketBenchResult {
  readonly options: WebSocketBenchOptions;
  readonly delivery: LatencySummary;
  readonly floor: LatencySummary;
  /** The writing request alone (inbound delivered to its Lambda, or the reply sent): part of every delivery. */
  readonly request: LatencySummary;
  readonly expected: number;
  readonly lost: number;
  readonly doubled: number;
  readonly misrouted: number;
  readonly sendFailures: number;
  /** Failed sends by answer (status and error code): those messages are not expected anywhere. */
  readonly sendFailuresByStatus: Readonly<Record<string, number>>;
  /** Frames of a message whose request failed (written before the failure): delivered, not counted as lost or expected. */
  readonly deliveredAfterFailure: number;
  readonly sendWallMs: number;
  /** Frames delivered per second, from the first send to the last arrival (the fan-out's sustained rate). */
  readonly deliveriesPerSecond: number;
  readonly loadAvg1m: readonly [number, number];
}

const CONTACTS_PER_CUSTOMER = 5;
const SETTLE_MS = 60_000;
const TEXT = /^bench (\S+) (\d+)$/;

interface Customer extends Account {
  readonly index: number;
  sms: string;
  conversations: string[];
}

interface Client {
  readonly customer: number;
  readonly socket: WebSocket;
  /** Message index -> arrival (performance.now()). */
  readonly arrivals: Map<number, number>;
}

/**
 * Section `websocket`: 100 concurrent WebSocket clients across 10 customers (by default) on the local stack,
 * 10,000 messages (half inbound SMS through the sandbox, half staff replies through the API), each
 * expected as a `message.created` frame on every client of its customer. Delivery latency runs from just
 * before the request that writes the message to the frame's arrival; the floor is one bare DynamoDB
 * PutItem plus one @connections post to a connected client, measured in the same run. Lost, doubled and
 * misrouted deliveries are counted per client.
 */
export async function benchWebSocket(options: WebSocketBenchOptions): Promise<WebSocketBenchResult> {
  return withLocalStack((stack) => run(stack, options));
}

async function run(stack: BenchStack, options: WebSocketBenchOptions): Promise<WebSocketBenchResult> {
  const edgeUrl = stack.process.edgeUrl;
  const runTag = randomBytes(4).toString('hex');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbUrl,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: edgeUrl,
    TABLE_NAME: LOCAL_TABLE_NAME,
    MESSAGING_TABLE_NAME: `${LOCAL_TABLE_NAME}-messaging`,
    MESSAGING_SMS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:stackpro-local-sms',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  // The provisioning step's own code (not in the workflow yet), as the integration tests run it.
  const { allocateMessagingChannels } = await import('../lambdas/messaging/allocate-channels');

  const accounts: Account[] = [];
  for (let i = 0; i < options.customers; i++) {
    const body = { ...signupBody(runTag, `ws${i}`), plan: 'business' };
    const outcome = await signUpVerified(stack.apiUrl, edgeUrl, body, accounts);
    if (!outcome.ok) throw new Error(`signup failed: ${outcome.status} ${outcome.detail ?? ''}`);
  }
  const customers: Customer[] = [];
  let websocketUrl = '';
  for (const [index, account] of accounts.entries()) {
    await allocateMessagingChannels(account.customerId, `test-${account.customerId}`);
    const channels = (await (await fetch(`${stack.apiUrl}/messaging/channels`, { headers: { authorization: `Bearer ${account.accessToken}` } })).json()) as { sms: { number: string }; websocketUrl: string };
    websocketUrl = channels.websocketUrl;
    customers.push({ ...account, index, sms: channels.sms.number, conversations: [] });
  }

  const clients: Client[] = [];
  const stray = { doubled: 0, misrouted: 0 };
  const plan: { customer: number; startedAt: number; answeredAt: number }[] = [];
  let lastArrival = performance.now();
  const open = (customer: Customer) =>
    new Promise<Client>((resolve, reject) => {
      const socket = new WebSocket(`${websocketUrl}?token=${encodeURIComponent(customer.accessToken)}`);
      const client: Client = { customer: customer.index, socket, arrivals: new Map() };
      socket.on('message', (data) => {
        const at = performance.now();
        const frame = JSON.parse(data.toString()) as { type: string; i?: number; message?: { text: string } };
        if (frame.type === 'bench.floor') return floorArrived?.(at);
        const match = frame.type === 'message.created' ? TEXT.exec(frame.message?.text ?? '') : null;
        if (!match || match[1] !== runTag) return;
        const index = Number(match[2]);
        lastArrival = at;
        if (plan[index]?.customer !== client.customer) stray.misrouted++;
        else if (client.arrivals.has(index)) stray.doubled++;
        else client.arrivals.set(index, at);
      });
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`connect refused: ${res.statusCode}`)));
      socket.once('error', reject);
    });
  for (const customer of customers) for (let c = 0; c < options.clientsPerCustomer; c++) clients.push(await open(customer));

  // Conversations to reply in: one inbound message from each contact (not counted).
  const inbound = (customer: Customer, contact: number, text: string) =>
    fetch(`${edgeUrl}/_sandbox/messaging/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'sms', from: `+1425555${String(customer.index).padStart(2, '0')}${String(contact).padStart(2, '0')}`, to: customer.sms, text }),
    });
  for (const customer of customers) {
    for (let contact = 0; contact < CONTACTS_PER_CUSTOMER; contact++) await inbound(customer, contact, `warm-up ${contact}`);
    const list = (await (await fetch(`${stack.apiUrl}/messaging/conversations`, { headers: { authorization: `Bearer ${customer.accessToken}` } })).json()) as { items: { conversationId: string }[] };
    customer.conversations = list.items.map((item) => item.conversationId);
  }

  // The floor, on the first client of the first customer: a bare write to DynamoDB Local, then one @connections post to it.
  let floorArrived: ((at: number) => void) | undefined;
  const listed = (await (await fetch(`${websocketUrl.replace(/^ws/, 'http').replace(/\/live$/, '')}/_sandbox/websocket/connections?customerId=${customers[0].customerId}`)).json()) as { connections: { connectionId: string }[] };
  const floorConnection = listed.connections[0].connectionId;
  const ddb = dynamoDbClient(stack.dynamoDbUrl);
  const management = new ApiGatewayManagementApiClient({ endpoint: websocketUrl.replace(/^ws/, 'http'), region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const floorSamples: number[] = [];
  for (let i = 0; i < options.floorSamples; i++) {
    const started = performance.now();
    const arrived = new Promise<number>((resolve) => (floorArrived = resolve));
    await ddb.send(new PutItemCommand({ TableName: LOCAL_TABLE_NAME, Item: { pk: { S: `BENCH#ws-floor#${runTag}` }, sk: { S: String(i) }, at: { N: String(Date.now()) } } }));
    await management.send(new PostToConnectionCommand({ ConnectionId: floorConnection, Data: Buffer.from(JSON.stringify({ type: 'bench.floor', i })) }));
    floorSamples.push((await arrived) - started);
  }
  floorArrived = undefined;

  // The run: message i belongs to customer i % customers; even ones are inbound, odd ones staff replies.
  const loadAtStart = os.loadavg()[0];
  const sendStart = performance.now();
  for (let i = 0; i < options.messages; i++) plan.push({ customer: i % customers.length, startedAt: 0, answeredAt: 0 });
  const load = await runLoad(options.messages, options.concurrency, async (i) => {
    const customer = customers[plan[i].customer];
    const text = `bench ${runTag} ${i}`;
    // Paced: message i starts no earlier than i / rate seconds into the run.
    if (options.ratePerSecond > 0) {
      const due = sendStart + (i * 1000) / options.ratePerSecond - performance.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
    plan[i].startedAt = performance.now();
    const response =
      i % 2 === 0
        ? await inbound(customer, i % CONTACTS_PER_CUSTOMER, text)
        : await fetch(`${stack.apiUrl}/messaging/conversations/${customer.conversations[i % customer.conversations.length]}/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${customer.accessToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ text }),
          });
    const answer = await response.text();
    plan[i].answeredAt = performance.now();
    const ok = response.status === 201 || response.status === 202;
    const code = ok ? '' : ((JSON.parse(answer || '{}') as { error?: { code?: string } }).error?.code ?? '');
    return { ok, status: `${response.status}${code ? ` ${code}` : ''}` };
  });
  const failed = new Set(load.failures.map((failure) => failure.index));
  const expected = (options.messages - failed.size) * options.clientsPerCustomer;
  const received = () => clients.reduce((total, client) => total + [...client.arrivals.keys()].filter((index) => !failed.has(index)).length, 0);
  // Settled when every delivery arrived, or nothing arrived for a while (what is missing then is lost).
  const deadline = performance.now() + SETTLE_MS;
  while (received() < expected && performance.now() < deadline && performance.now() - lastArrival < 15_000) await new Promise((resolve) => setTimeout(resolve, 100));
  const loadAtEnd = os.loadavg()[0];

  const latencies = clients.flatMap((client) => [...client.arrivals].filter(([index]) => !failed.has(index)).map(([index, at]) => at - plan[index].startedAt));
  const sendFailuresByStatus: Record<string, number> = {};
  for (const failure of load.failures) sendFailuresByStatus[failure.status] = (sendFailuresByStatus[failure.status] ?? 0) + 1;
  const deliveredAfterFailure = clients.reduce((total, client) => total + [...client.arrivals.keys()].filter((index) => failed.has(index)).length, 0);
  for (const client of clients) client.socket.terminate();
  ddb.destroy();
  management.destroy();
  return {
    options,
    delivery: summarize(latencies),
    floor: summarize(floorSamples),
    request: summarize(plan.filter((entry) => entry.answeredAt > 0).map((entry) => entry.answeredAt - entry.startedAt)),
    expected,
    lost: expected - received(),
    doubled: stray.doubled,
    misrouted: stray.misrouted,
    sendFailures: load.failures.length,
    sendFailuresByStatus,
    deliveredAfterFailure,
    sendWallMs: load.wallMs,
    deliveriesPerSecond: received() / ((lastArrival - sendStart) / 1000),
    loadAvg1m: [round(loadAtStart), round(loadAtEnd)],
  };
}

/** Prints the section's table; returns the JSON summary and what failed (lost, doubled, misrouted). */
export function printWebSocketReport(result: WebSocketBenchResult): { summary: Record<string, unknown>; failed: string[] } {
  const { options, delivery, floor } = result;
  printTable(
    `WebSocket live updates: ${options.customers * options.clientsPerCustomer} clients across ${options.customers} customers, ${options.messages} messages (half inbound SMS, half staff replies), ${options.concurrency} senders${options.ratePerSecond > 0 ? ` paced at ${options.ratePerSecond}/s` : ''}; load average ${result.loadAvg1m[0]} -> ${result.loadAvg1m[1]}`,
    [{ title: 'measure' }, { title: 'p50', suffix: ' ms' }, { title: 'p99', suffix: ' ms' }, { title: 'mean', suffix: ' ms' }, { title: 'max', suffix: ' ms' }, { title: 'samples', digits: 0 }],
    [
      ['delivery (request start to frame, per client)', delivery.p50, delivery.p99, delivery.mean, delivery.max, delivery.count],
      ['of which the writing request (to its answer)', result.request.p50, result.request.p99, result.request.mean, result.request.max, result.request.count],
      ['floor (bare PutItem + one @connections post)', floor.p50, floor.p99, floor.mean, floor.max, floor.count],
    ],
  );
  printTable(
    'WebSocket delivery accounting (each must be 0)',
    [{ title: 'expected deliveries', digits: 0 }, { title: 'lost', digits: 0 }, { title: 'doubled', digits: 0 }, { title: 'misrouted', digits: 0 }, { title: 'send failures', digits: 0 }, { title: 'messages/s sent', digits: 1 }, { title: 'deliveries/s', digits: 0 }],
    [[result.expected, result.lost, result.doubled, result.misrouted, result.sendFailures, options.messages / (result.sendWallMs / 1000), result.deliveriesPerSecond]],
  );
  if (result.sendFailures > 0) {
    console.log(`Failed sends (not expected anywhere): ${JSON.stringify(result.sendFailuresByStatus)}; ${result.deliveredAfterFailure} frames of those arrived anyway (written before the failure).`);
  }
  console.log(`Delivery p50 is ${round(delivery.p50 / floor.p50, 1)}x the floor's p50 (same run, same machine).`);
  const failed = [
    ...(result.lost > 0 ? [`${result.lost} deliveries lost`] : []),
    ...(result.doubled > 0 ? [`${result.doubled} deliveries doubled`] : []),
    ...(result.misrouted > 0 ? [`${result.misrouted} deliveries misrouted`] : []),
    ...(result.sendFailures > 0 ? [`${result.sendFailures} sends failed`] : []),
  ];
  return {
    summary: {
      websocket: {
        clients: options.customers * options.clientsPerCustomer,
        customers: options.customers,
        messages: options.messages,
        deliveryP50Ms: round(delivery.p50),
        deliveryP99Ms: round(delivery.p99),
        requestP50Ms: round(result.request.p50),
        floorP50Ms: round(floor.p50),
        floorP99Ms: round(floor.p99),
        lost: result.lost,
        sendFailures: result.sendFailuresByStatus,
        doubled: result.doubled,
        misrouted: result.misrouted,
        messagesPerSecond: round(options.messages / (result.sendWallMs / 1000), 1),
        deliveriesPerSecond: round(result.deliveriesPerSecond, 0),
        ratePerSecond: options.ratePerSecond,
        loadAvg1m: result.loadAvg1m,
      },
    },
    failed,
  };
}
