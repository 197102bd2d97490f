import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { call, edgeBase, eventually, newSignup, signUpVerified } from './api-client';

/**
 * Live updates on the shared local stack (the WebSocket API stand-in, the stream poller and the real
 * fan-out), two business customers connected at once: each receives exactly its own inbound messages and
 * its reply's status frames, a connection that vanished without $disconnect is forgotten after one 410,
 * and bad tokens are refused at $connect.
 */
interface Staff {
  readonly customerId: string;
  readonly accessToken: string;
  sms?: string;
  websocketUrl?: string;
}
type Frame = { type: string; conversationId: string; message?: { messageId: string; text: string; direction: string; author?: string }; messageId?: string; status?: string };

const api = (staff: Staff, method: string, path: string, json?: unknown) => call(method, path, { token: staff.accessToken, json });
const inbound = (to: string, text: string) =>
  fetch(`${edgeBase()}/_sandbox/messaging/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'sms', from: '+14255550123', to, text }) }).then((res) => res.status);

/** A staff client: every frame it receives, in order. */
class LiveClient {
  readonly frames: Frame[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
  }

  static open(url: string): Promise<LiveClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new LiveClient(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  created(): string[] {
    return this.frames.filter((frame) => frame.type === 'message.created').map((frame) => frame.message!.text);
  }
}

/** The HTTP status a refused upgrade answered. */
function refusal(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('connected with a bad token')));
    socket.once('error', () => undefined);
  });
}

let a: Staff;
let b: Staff;
const clients: LiveClient[] = [];

beforeAll(async () => {
  const dynamoDbUrl = process.env.STACKPRO_DYNAMODB_URL;
  if (!dynamoDbUrl) throw new Error('STACKPRO_DYNAMODB_URL is not set (test/integration/global-setup.ts)');
  // The allocation step's code runs here against the stack's services, so the test need not wait for provisioning.
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
  [a, b] = await Promise.all(
    [0, 1].map(async () => {
      const res = await signUpVerified(newSignup({ plan: 'business' }));
      const staff: Staff = { customerId: res.body.customerId as string, accessToken: res.body.accessToken as string };
      await allocateMessagingChannels(staff.customerId, `test-${staff.customerId}`);
      const channels = await api(staff, 'GET', '/messaging/channels');
      staff.sms = channels.body.sms.number as string;
      staff.websocketUrl = channels.body.websocketUrl as string;
      return staff;
    }),
  );
});

afterAll(() => {
  for (const client of clients) client.socket.terminate();
});

it('delivers each customer exactly its own messages and reply statuses, forgets a vanished connection after one 410, and refuses bad tokens', async () => {
  expect(a.websocketUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/live$/);
  const url = (staff: Staff) => `${staff.websocketUrl}?token=${encodeURIComponent(staff.accessToken)}`;
  const control = `${a.websocketUrl!.replace(/^ws/, 'http').replace(/\/live$/, '')}/_sandbox/websocket`;

  // Refused at $connect as API Gateway refuses: 401 for a forged or missing token, 403 for a starter account.
  const forged = `${a.accessToken.slice(0, -4)}AAAA`;
  const starter = await signUpVerified(newSignup());
  const refusals = await Promise.all([
    refusal(`${a.websocketUrl}?token=${forged}`),
    refusal(`${a.websocketUrl}?visitorToken=${forged}`),
    refusal(`${a.websocketUrl}`),
    refusal(`${a.websocketUrl}?token=${encodeURIComponent(starter.body.accessToken as string)}`),
  ]);
  expect(refusals).toEqual([401, 401, 401, 403]);

  // Two staff sockets for A (one will vanish), one for B, all connected at once.
  const [a1, b1] = await Promise.all([LiveClient.open(url(a)), LiveClient.open(url(b))]);
  const before = ((await (await fetch(`${control}/connections?customerId=${a.customerId}`)).json()) as { connections: { connectionId: string }[] }).connections;
  const a2 = await LiveClient.open(url(a));
  clients.push(a1, a2, b1);
  const listed = ((await (await fetch(`${control}/connections?customerId=${a.customerId}`)).json()) as { connections: { connectionId: string }[] }).connections;
  const a2Id = listed.find((connection) => !before.some((earlier) => earlier.connectionId === connection.connectionId))!.connectionId;

  // Both customers' clients write at the same time.
  const texts = { a: [`a-1 ${randomUUID()}`, `a-2 ${randomUUID()}`], b: [`b-1 ${randomUUID()}`, `b-2 ${randomUUID()}`] };
  expect(await Promise.all([...texts.a.map((text) => inbound(a.sms!, text)), ...texts.b.map((text) => inbound(b.sms!, text))])).toEqual([202, 202, 202, 202]);
  await eventually(async () => (a1.created().length >= 2 && a2.created().length >= 2 && b1.created().length >= 2 ? true : undefined), 10_000, 'inbound frames');
  expect(a1.created().sort()).toEqual([...texts.a].sort());
  expect(a2.created().sort()).toEqual([...texts.a].sort());
  expect(b1.created().sort()).toEqual([...texts.b].sort());

  // A's reply: created, then its status moves on (sending, sent), only on A's sockets.
  const conversationId = a1.frames.find((frame) => frame.type === 'message.created')!.conversationId;
  const reply = await api(a, 'POST', `/messaging/conversations/${conversationId}/messages`, { text: 'on it' });
  expect(reply.status).toBe(201);
  const replyId = reply.body.messageId as string;
  await eventually(async () => (a1.frames.some((frame) => frame.type === 'message.status' && frame.messageId === replyId && frame.status === 'sent') ? true : undefined), 10_000, 'reply sent frame');
  const replyFrames = a1.frames.filter((frame) => frame.messageId === replyId || frame.message?.messageId === replyId);
  expect(replyFrames[0]).toMatchObject({ type: 'message.created', conversationId, message: { messageId: replyId, direction: 'out', text: 'on it' } });
  expect(replyFrames.filter((frame) => frame.type === 'message.status').map((frame) => frame.status)).toEqual(expect.arrayContaining(['sending', 'sent']));
  expect(a1.frames.some((frame) => frame.type === 'conversation.updated' && frame.conversationId === conversationId)).toBe(true);
  // Never a frame of the other tenant.
  const aConversations = new Set(a1.frames.map((frame) => frame.conversationId));
  expect(b1.frames.some((frame) => aConversations.has(frame.conversationId))).toBe(false);
  expect(b1.frames.some((frame) => frame.messageId === replyId || frame.message?.messageId === replyId)).toBe(false);

  // A2 vanishes without $disconnect: the next frame for it answers 410 once, and it is forgotten.
  expect((await fetch(`${control}/connections/${encodeURIComponent(a2Id)}/drop`, { method: 'POST' })).status).toBe(204);
  const goneCount = async () => ((await (await fetch(`${control}/gone`)).json()) as { gone: Record<string, number> }).gone[a2Id] ?? 0;
  for (const text of [`a-3 ${randomUUID()}`, `a-4 ${randomUUID()}`]) {
    expect(await inbound(a.sms!, text)).toBe(202);
    await eventually(async () => (a1.created().includes(text) ? true : undefined), 10_000, `frame ${text}`);
  }
  expect(await goneCount()).toBe(1);
  expect(b1.created()).toHaveLength(2);
});
