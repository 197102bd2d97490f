import { apiBase, call, edgeBase, newSignup, signUpVerified } from './api-client';

/**
 * The live-chat widget on the shared local stack, two businesses at once: each allows its own site, visitors
 * of both write at the same time, staff list and reply (no provider: the reply is `sent`), each visitor reads
 * only its own conversation, and a page of the other business's site, or the other widget's token, is refused.
 * Channels (and so widget keys) come from the provisioning step's own code, as in messaging.test.ts.
 */
interface Business {
  readonly customerId: string;
  readonly accessToken: string;
  readonly site: string;
  publicKey?: string;
}

const staffCall = (business: Business, method: string, path: string, json?: unknown) => call(method, path, { token: business.accessToken, json });
const widgetCall = (business: Business, method: string, path: string, options: { origin?: string; token?: string; json?: unknown } = {}) =>
  call(method, `/widget/${business.publicKey}${path}`, { token: options.token, json: options.json, headers: { origin: options.origin ?? business.site } });

let a: Business;
let b: Business;

beforeAll(async () => {
  const dynamoDbUrl = process.env.STACKPRO_DYNAMODB_URL;
  if (!dynamoDbUrl) throw new Error('STACKPRO_DYNAMODB_URL is not set (test/integration/global-setup.ts)');
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
    ['https://shop-a.example', 'https://shop-b.example'].map(async (site) => {
      const res = await signUpVerified(newSignup({ plan: 'business' }));
      return { customerId: res.body.customerId as string, accessToken: res.body.accessToken as string, site };
    }),
  );
  for (const business of [a, b]) {
    expect(await allocateMessagingChannels(business.customerId, `test-${business.customerId}`)).toMatchObject({ allocated: true });
    const widget = await staffCall(business, 'PUT', '/messaging/widget', { allowedOrigins: [business.site] });
    expect(widget.status).toBe(200);
    business.publicKey = widget.body.publicKey as string;
  }
}, 60_000);

describe('two businesses\' widgets at once', () => {
  it('serves the script at the local URL GET /messaging/channels names, and lets any origin preflight', async () => {
    const channels = await staffCall(a, 'GET', '/messaging/channels');
    expect(channels.body.widget).toEqual({ publicKey: a.publicKey, scriptUrl: `${apiBase()}/widget/${a.publicKey}/widget.js` });
    const script = await fetch(channels.body.widget.scriptUrl as string);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('visitorToken=');
    const preflight = await fetch(`${apiBase()}/widget/${a.publicKey}/messages`, { method: 'OPTIONS', headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('visitors write, staff reply on chat, each visitor reads only its own conversation, and the other site or widget is refused', async () => {
    // Two visitors of A and one of B start at once.
    const [a1, a2, b1] = await Promise.all([a, a, b].map((business) => widgetCall(business, 'POST', '/visitors')));
    for (const started of [a1, a2, b1]) expect(started.status).toBe(201);
    expect(a1.headers.get('access-control-allow-origin')).toBe(a.site);
    const token = (started: typeof a1) => started.body.visitorToken as string;

    const written = await Promise.all([
      widgetCall(a, 'POST', '/messages', { token: token(a1), json: { text: 'Hello from A1', clientMessageId: 'm1' } }),
      widgetCall(a, 'POST', '/messages', { token: token(a2), json: { text: 'Hello from A2', clientMessageId: 'm1' } }),
      widgetCall(b, 'POST', '/messages', { token: token(b1), json: { text: 'Hello from B1', clientMessageId: 'm1' } }),
    ]);
    expect(written.map((res) => res.status)).toEqual([201, 201, 201]);

    // Staff A sees its two chat conversations, never B's; replies to A1 with no provider.
    const inbox = await staffCall(a, 'GET', '/messaging/conversations?channel=chat');
    expect(inbox.status).toBe(200);
    const contacts = (inbox.body.items as { contact: string; conversationId: string; unreadCount: number }[]).map((item) => item.contact).sort();
    expect(contacts).toEqual([a1.body.visitorId, a2.body.visitorId].sort());
    const reply = await staffCall(a, 'POST', `/messaging/conversations/${a1.body.conversationId}/messages`, { text: 'Hi A1, how can we help?' });
    expect(reply.status).toBe(201);
    expect(reply.body.status).toBe('sent');
    // B's staff cannot reach A's chat conversation.
    expect((await staffCall(b, 'GET', `/messaging/conversations/${a1.body.conversationId}/messages`)).status).toBe(404);

    const history = async (business: Business, started: typeof a1) => {
      const res = await widgetCall(business, 'GET', '/messages', { token: token(started) });
      expect(res.status).toBe(200);
      return (res.body.items as { text: string; direction: string }[]).map((item) => `${item.direction}:${item.text}`);
    };
    expect(await history(a, a1)).toEqual(['out:Hi A1, how can we help?', 'in:Hello from A1']);
    expect(await history(a, a2)).toEqual(['in:Hello from A2']);
    expect(await history(b, b1)).toEqual(['in:Hello from B1']);

    // A returning visitor keeps its id and conversation.
    const again = await widgetCall(a, 'POST', '/visitors', { token: token(a1) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ visitorId: a1.body.visitorId, conversationId: a1.body.conversationId });

    // B's site on A's widget: 403, without CORS for it. A's visitor token on B's widget: 401, nothing read.
    const otherSite = await widgetCall(a, 'POST', '/messages', { origin: b.site, token: token(a1), json: { text: 'sneaky' } });
    expect(otherSite.status).toBe(403);
    expect(otherSite.body.error.code).toBe('WIDGET_ORIGIN_NOT_ALLOWED');
    expect(otherSite.headers.get('access-control-allow-origin')).not.toBe(b.site);
    const otherWidget = await widgetCall(b, 'GET', '/messages', { token: token(a1) });
    expect(otherWidget.status).toBe(401);
    expect(otherWidget.body.error.code).toBe('VISITOR_TOKEN_INVALID');
    expect(await history(a, a1)).toHaveLength(2);
  });
});
