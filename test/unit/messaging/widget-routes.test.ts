import type { APIGatewayProxyResult } from 'aws-lambda';
import { SignJWT } from 'jose';
import { ROUTES } from '../../../lambdas/api/routes';
import { signVisitorToken } from '../../../lambdas/auth/visitor-token';
import { generateSigningKey, type StoredSigningKey } from '../../../lambdas/core/signing-keys';
import { keyResolver, signAccessToken, type SigningKey } from '../../../lambdas/core/tokens';
import { conversationIdFor } from '../../../lambdas/messaging/model';
import { importJWK, type CryptoKey } from 'jose';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// Repositories and key clients are mocked: these tests are about the widget routes' rules (key, origin,
// account, visitor token, limits, idempotent send). The repositories are tested on DynamoDB Local.
jest.mock('../../../lambdas/repositories/accounts');
jest.mock('../../../lambdas/repositories/messages');
jest.mock('../../../lambdas/repositories/messaging-channels');
jest.mock('../../../lambdas/repositories/widget-settings');
jest.mock('../../../lambdas/repositories/widget-rates');
jest.mock('../../../lambdas/clients/signing-key');
jest.mock('../../../lambdas/clients/verification-key');
/* eslint-disable @typescript-eslint/no-require-imports -- the mocked modules, typed */
const accounts = jest.mocked(require('../../../lambdas/repositories/accounts') as typeof import('../../../lambdas/repositories/accounts'));
const messages = jest.mocked(require('../../../lambdas/repositories/messages') as typeof import('../../../lambdas/repositories/messages'));
const channels = jest.mocked(require('../../../lambdas/repositories/messaging-channels') as typeof import('../../../lambdas/repositories/messaging-channels'));
const settings = jest.mocked(require('../../../lambdas/repositories/widget-settings') as typeof import('../../../lambdas/repositories/widget-settings'));
const rates = jest.mocked(require('../../../lambdas/repositories/widget-rates') as typeof import('../../../lambdas/repositories/widget-rates'));
const signing = jest.mocked(require('../../../lambdas/clients/signing-key') as typeof import('../../../lambdas/clients/signing-key'));
const verification = jest.mocked(require('../../../lambdas/clients/verification-key') as typeof import('../../../lambdas/clients/verification-key'));
/* eslint-enable @typescript-eslint/no-require-imports */

const KEY_A = 'pk_aaaaaaaaaaaaaaaaaaaaaaaa';
const KEY_B = 'pk_bbbbbbbbbbbbbbbbbbbbbbbb';
const SHOP_A = 'https://shop-a.example';
const OWNERS: Record<string, string> = { [KEY_A]: 'cust-a', [KEY_B]: 'cust-b' };
const NOW = Date.parse('2026-12-01T12:00:00.000Z');

let stored: StoredSigningKey;
let signingKey: SigningKey;
let otherKey: SigningKey;

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
function invoke(routeId: string, options: { key?: string; origin?: string | null; token?: string; authorization?: string; json?: unknown; body?: string; query?: Record<string, string> } = {}) {
  const route = ROUTES.find((candidate) => candidate.id === routeId)!;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(`../../../lambdas/${route.handler}`) as { handler: Handler };
  const origin = options.origin === undefined ? SHOP_A : options.origin;
  const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  const event = apiEvent({
    httpMethod: route.method,
    path: route.path,
    pathParameters: { publicKey: options.key ?? KEY_A },
    queryStringParameters: options.query ?? null,
    headers: { 'Content-Type': 'application/json', ...(origin === null ? {} : { Origin: origin }), ...(authorization ? { Authorization: authorization } : {}) },
    ...(options.json !== undefined ? { json: options.json } : { body: options.body ?? null }),
  });
  return handler(event, lambdaContext);
}

const visitorToken = (customerId: string, visitorId: string, key: SigningKey = signingKey) =>
  signVisitorToken({ visitorId, customerId, conversationId: conversationIdFor(customerId, 'chat', visitorId) }, key, new Date(NOW));

beforeAll(async () => {
  stored = await generateSigningKey();
  signingKey = { kid: stored.kid, privateKey: (await importJWK(stored.privateJwk, 'ES256')) as CryptoKey };
  const other = await generateSigningKey();
  // Same kid, another private key: a forgery the published key does not verify.
  otherKey = { kid: stored.kid, privateKey: (await importJWK(other.privateJwk, 'ES256')) as CryptoKey };
});

beforeEach(() => {
  jest.resetAllMocks();
  jest.useFakeTimers({ now: NOW, doNotFake: ['setTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
  channels.customerOfAddress.mockImplementation(async (_kind, address) => OWNERS[address]);
  settings.getWidgetSettings.mockImplementation(async (customerId) => ({ allowedOrigins: customerId === 'cust-a' ? [SHOP_A] : ['https://shop-b.example'] }));
  accounts.getCustomer.mockImplementation(async (customerId) => ({ customerId, plan: 'business', status: 'active' }) as never);
  rates.reserveVisitorCreation.mockResolvedValue({ allowed: true, used: 1 });
  rates.reserveVisitorMessage.mockResolvedValue({ allowed: true, used: 1 });
  signing.getSigningKey.mockResolvedValue(signingKey);
  verification.getVerificationKeys.mockImplementation(async () => keyResolver({ keys: [stored.publicJwk] }));
  messages.recordInbound.mockResolvedValue('created');
  messages.findInbound.mockResolvedValue(undefined);
  messages.listMessages.mockResolvedValue({ items: [] });
});

afterEach(() => jest.useRealTimers());

const codeOf = (result: APIGatewayProxyResult) => `${result.statusCode} ${bodyOf(result).error?.code ?? ''}`.trim();

describe('widget key and origin', () => {
  it('answers an unknown (or released) key 404 before reading anything else, and a malformed one without a read', async () => {
    expect(codeOf(await invoke('CreateWidgetVisitor', { key: 'pk_unknownunknownunknown' }))).toBe('404 NOT_FOUND');
    expect(codeOf(await invoke('SendWidgetMessage', { key: '../../etc', json: { text: 'hi' } }))).toBe('404 NOT_FOUND');
    expect(channels.customerOfAddress).toHaveBeenCalledTimes(1);
    expect(settings.getWidgetSettings).not.toHaveBeenCalled();
    expect(messages.recordInbound).not.toHaveBeenCalled();
  });

  it('refuses an origin the business did not allow (or none) with 403 and no CORS for it; allowed origins get CORS on errors too', async () => {
    for (const origin of ['https://evil.example', 'https://shop-b.example', null, 'null', `${SHOP_A}/`]) {
      const result = await invoke('CreateWidgetVisitor', { origin });
      expect(codeOf(result)).toBe('403 WIDGET_ORIGIN_NOT_ALLOWED');
      expect(result.headers?.['Access-Control-Allow-Origin']).not.toBe(origin);
    }
    expect(rates.reserveVisitorCreation).not.toHaveBeenCalled();
    const refused = await invoke('SendWidgetMessage', { json: { text: 'hi' } });
    expect(codeOf(refused)).toBe('401 VISITOR_TOKEN_INVALID');
    expect(refused.headers).toMatchObject({ 'Access-Control-Allow-Origin': SHOP_A, Vary: 'Origin' });
  });

  it.each([['suspended'], ['suspending'], ['cancelled']])('a %s account answers 403 WIDGET_UNAVAILABLE and records nothing', async (status) => {
    accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'business', status } as never);
    const token = await visitorToken('cust-a', 'vis_1');
    expect(codeOf(await invoke('SendWidgetMessage', { token, json: { text: 'hi' } }))).toBe('403 WIDGET_UNAVAILABLE');
    expect(codeOf(await invoke('CreateWidgetVisitor'))).toBe('403 WIDGET_UNAVAILABLE');
    expect(messages.recordInbound).not.toHaveBeenCalled();
    expect(rates.reserveVisitorCreation).not.toHaveBeenCalled();
  });

  it('a starter account (no messaging) answers 403 WIDGET_UNAVAILABLE', async () => {
    accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'starter', status: 'active' } as never);
    expect(codeOf(await invoke('CreateWidgetVisitor'))).toBe('403 WIDGET_UNAVAILABLE');
  });
});

describe('POST /widget/{publicKey}/visitors', () => {
  it('issues a new visitor a token of its own conversation (201), and a returning one the same visitor (200)', async () => {
    const first = await invoke('CreateWidgetVisitor');
    expect(first.statusCode).toBe(201);
    const session = bodyOf(first);
    expect(session.visitorId).toMatch(/^vis_[A-Za-z0-9_-]{22}$/);
    expect(session.conversationId).toBe(conversationIdFor('cust-a', 'chat', session.visitorId));
    expect(session.expiresAt).toBe('2026-12-31T12:00:00.000Z');
    const again = await invoke('CreateWidgetVisitor', { token: session.visitorToken });
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again)).toMatchObject({ visitorId: session.visitorId, conversationId: session.conversationId });
    // Only the new visitor counts against the key's creation budget.
    expect(rates.reserveVisitorCreation).toHaveBeenCalledTimes(1);
  });

  it('answers 429 WIDGET_RATE_LIMITED with Retry-After past the per-key budget', async () => {
    rates.reserveVisitorCreation.mockResolvedValue({ allowed: false, retryAfterMs: 12_500 });
    const result = await invoke('CreateWidgetVisitor');
    expect(codeOf(result)).toBe('429 WIDGET_RATE_LIMITED');
    expect(result.headers?.['Retry-After']).toBe('13');
  });

  it('refuses a body, and a returning token that is malformed, forged or another widget\'s', async () => {
    expect(codeOf(await invoke('CreateWidgetVisitor', { body: '{"visitorId":"vis_x"}' }))).toBe('400 VALIDATION_FAILED');
    expect(codeOf(await invoke('CreateWidgetVisitor', { authorization: 'Basic abc' }))).toBe('401 VISITOR_TOKEN_INVALID');
    expect(codeOf(await invoke('CreateWidgetVisitor', { token: await visitorToken('cust-a', 'vis_1', otherKey) }))).toBe('401 VISITOR_TOKEN_INVALID');
    expect(codeOf(await invoke('CreateWidgetVisitor', { token: await visitorToken('cust-b', 'vis_1') }))).toBe('401 VISITOR_TOKEN_INVALID');
    expect(rates.reserveVisitorCreation).not.toHaveBeenCalled();
  });
});

describe('POST /widget/{publicKey}/messages', () => {
  it('records the visitor\'s message in its own chat conversation, deduplicated by clientMessageId', async () => {
    const token = await visitorToken('cust-a', 'vis_1');
    const result = await invoke('SendWidgetMessage', { token, json: { text: '  Hello there ', clientMessageId: 'c1' } });
    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({ direction: 'in', text: 'Hello there', status: 'received', sentAt: '2026-12-01T12:00:00.000Z' });
    expect(bodyOf(result)).not.toHaveProperty('author');
    expect(messages.recordInbound).toHaveBeenCalledWith('cust-a', expect.objectContaining({
      channel: 'chat',
      contact: 'vis_1',
      providerMessageId: 'vis_1:c1',
      conversationId: conversationIdFor('cust-a', 'chat', 'vis_1'),
    }));
    expect(rates.reserveVisitorMessage).toHaveBeenCalledWith('cust-a', 'vis_1', expect.anything(), NOW);
  });

  it('answers a repeated clientMessageId with the first message, without counting or recording again', async () => {
    const first = { messageId: 'msg_first', direction: 'in' as const, text: 'Hello', sentAt: '2026-12-01T11:59:00.000Z', status: 'received' as const };
    messages.findInbound.mockResolvedValue(first);
    const result = await invoke('SendWidgetMessage', { token: await visitorToken('cust-a', 'vis_1'), json: { text: 'Hello', clientMessageId: 'c1' } });
    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toEqual(first);
    expect(rates.reserveVisitorMessage).not.toHaveBeenCalled();
    expect(messages.recordInbound).not.toHaveBeenCalled();
  });

  it('a twin that lost the race answers the message its twin recorded', async () => {
    const winner = { messageId: 'msg_winner', direction: 'in' as const, text: 'Hello', sentAt: '2026-12-01T12:00:00.000Z', status: 'received' as const };
    messages.findInbound.mockResolvedValueOnce(undefined).mockResolvedValueOnce(winner);
    messages.recordInbound.mockResolvedValue('duplicate');
    const result = await invoke('SendWidgetMessage', { token: await visitorToken('cust-a', 'vis_1'), json: { text: 'Hello', clientMessageId: 'c1' } });
    expect(bodyOf(result)).toEqual(winner);
  });

  it('answers 429 past the visitor\'s rate and records nothing', async () => {
    rates.reserveVisitorMessage.mockResolvedValue({ allowed: false, retryAfterMs: 30_000 });
    const result = await invoke('SendWidgetMessage', { token: await visitorToken('cust-a', 'vis_1'), json: { text: 'Hello' } });
    expect(codeOf(result)).toBe('429 WIDGET_RATE_LIMITED');
    expect(result.headers).toMatchObject({ 'Retry-After': '30', 'Access-Control-Allow-Origin': SHOP_A });
    expect(messages.recordInbound).not.toHaveBeenCalled();
  });

  it('the malformed: text too long, empty, mistyped, unknown fields, bad clientMessageId, not JSON', async () => {
    const token = await visitorToken('cust-a', 'vis_1');
    for (const json of [{ text: 'x'.repeat(2001) }, { text: '   ' }, { text: 5 }, { text: 'hi', extra: 1 }, { text: 'hi', clientMessageId: 'a b' }, []]) {
      expect(codeOf(await invoke('SendWidgetMessage', { token, json }))).toBe('400 VALIDATION_FAILED');
    }
    expect(codeOf(await invoke('SendWidgetMessage', { token, body: '{"text":' }))).toBe('400 INVALID_JSON');
    expect(messages.recordInbound).not.toHaveBeenCalled();
  });

  it('the other tenant and the forged: B\'s visitor token on A\'s key, a forged token, an access token, an expired token: 401, nothing read', async () => {
    const expired = await signVisitorToken({ visitorId: 'vis_1', customerId: 'cust-a', conversationId: conversationIdFor('cust-a', 'chat', 'vis_1') }, signingKey, new Date(NOW - 31 * 24 * 3600 * 1000));
    // Signed right, but naming another conversation than the visitor's own.
    const wrongConversation = await signVisitorToken({ visitorId: 'vis_1', customerId: 'cust-a', conversationId: conversationIdFor('cust-a', 'chat', 'vis_2') }, signingKey, new Date(NOW));
    const noneAlg = `${Buffer.from('{"alg":"none","typ":"visitor+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'vis_1', cid: 'cust-a', conv: 'cv_x', aud: 'stackpro-widget', iss: 'stackpro', exp: NOW / 1000 + 60, iat: NOW / 1000 })).toString('base64url')}.`;
    const wrongAudience = await new SignJWT({ cid: 'cust-a', conv: conversationIdFor('cust-a', 'chat', 'vis_1') })
      .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: 'visitor+jwt' })
      .setSubject('vis_1').setIssuer('stackpro').setAudience('stackpro-api').setIssuedAt(NOW / 1000).setExpirationTime(NOW / 1000 + 60)
      .sign(signingKey.privateKey);
    const tokens = [
      await visitorToken('cust-b', 'vis_b'),
      await visitorToken('cust-a', 'vis_1', otherKey),
      await signAccessToken('cust-a', signingKey, 900, new Date(NOW)),
      expired,
      wrongConversation,
      noneAlg,
      wrongAudience,
    ];
    for (const token of tokens) {
      expect(codeOf(await invoke('SendWidgetMessage', { token, json: { text: 'hi' } }))).toBe('401 VISITOR_TOKEN_INVALID');
      expect(codeOf(await invoke('ListWidgetMessages', { token }))).toBe('401 VISITOR_TOKEN_INVALID');
    }
    expect(codeOf(await invoke('ListWidgetMessages'))).toBe('401 VISITOR_TOKEN_INVALID');
    expect(messages.listMessages).not.toHaveBeenCalled();
    expect(messages.recordInbound).not.toHaveBeenCalled();
  });
});

describe('GET /widget/{publicKey}/messages', () => {
  it('reads only the token\'s own conversation, never marks it read, and hides who replied', async () => {
    messages.listMessages.mockResolvedValue({
      items: [{ messageId: 'msg_2', direction: 'out', text: 'Hi!', sentAt: '2026-12-01T11:59:00.000Z', status: 'sent', author: 'cust-a' }],
      next: { sk: 'MSG#2026-12-01T11:59:00.000Z#msg_2' },
    });
    const result = await invoke('ListWidgetMessages', { token: await visitorToken('cust-a', 'vis_1') });
    expect(result.statusCode).toBe(200);
    const page = bodyOf(result);
    expect(page.items).toEqual([{ messageId: 'msg_2', direction: 'out', text: 'Hi!', sentAt: '2026-12-01T11:59:00.000Z', status: 'sent' }]);
    expect(messages.listMessages).toHaveBeenCalledWith('cust-a', conversationIdFor('cust-a', 'chat', 'vis_1'), undefined);
    // The cursor goes back in and names the same partition's key.
    await invoke('ListWidgetMessages', { token: await visitorToken('cust-a', 'vis_1'), query: { cursor: page.nextCursor } });
    expect(messages.listMessages).toHaveBeenLastCalledWith('cust-a', conversationIdFor('cust-a', 'chat', 'vis_1'), { sk: 'MSG#2026-12-01T11:59:00.000Z#msg_2' });
  });

  it('refuses a cursor it did not give out and unknown parameters', async () => {
    const token = await visitorToken('cust-a', 'vis_1');
    expect(codeOf(await invoke('ListWidgetMessages', { token, query: { cursor: 'garbage' } }))).toBe('400 VALIDATION_FAILED');
    expect(codeOf(await invoke('ListWidgetMessages', { token, query: { conversationId: 'cv_other' } }))).toBe('400 VALIDATION_FAILED');
  });
});

describe('GET /widget/{publicKey}/widget.js', () => {
  it('serves the script as JavaScript for a known key (no origin needed) and 404 for an unknown one', async () => {
    const result = await invoke('GetWidgetScript', { origin: null });
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(result.body).toContain('visitorToken=');
    expect(result.body.length).toBeLessThan(8_000);
    expect(codeOf(await invoke('GetWidgetScript', { key: 'pk_unknownunknownunknown' }))).toBe('404 NOT_FOUND');
  });
});
