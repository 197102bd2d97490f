import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendWhatsAppMessageCommand, SocialMessagingClient, ThrottledRequestException, ValidationException } from '@aws-sdk/client-socialmessaging';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ROUTES } from '../../../lambdas/api/routes';
import type { Conversation } from '../../../lambdas/messaging/model';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// Repositories are mocked: these tests are about the routes' rules (plan, tenant, window, idempotent send).
jest.mock('../../../lambdas/repositories/accounts');
jest.mock('../../../lambdas/repositories/conversations');
jest.mock('../../../lambdas/repositories/messages');
jest.mock('../../../lambdas/repositories/messaging-channels');
/* eslint-disable @typescript-eslint/no-require-imports -- the mocked modules, typed */
const accounts = jest.mocked(require('../../../lambdas/repositories/accounts') as typeof import('../../../lambdas/repositories/accounts'));
const conversations = jest.mocked(require('../../../lambdas/repositories/conversations') as typeof import('../../../lambdas/repositories/conversations'));
const messages = jest.mocked(require('../../../lambdas/repositories/messages') as typeof import('../../../lambdas/repositories/messages'));
const channels = jest.mocked(require('../../../lambdas/repositories/messaging-channels') as typeof import('../../../lambdas/repositories/messaging-channels'));
/* eslint-enable @typescript-eslint/no-require-imports */

const sms = mockClient(PinpointSMSVoiceV2Client);
const social = mockClient(SocialMessagingClient);

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const customer = (plan: string, status = 'active') => ({ customerId: 'cust-a', plan, status, email: 'a@example.com' }) as never;
const conversation = (overrides: Partial<Conversation> = {}): Conversation => ({
  conversationId: 'cv_a',
  channel: 'sms',
  contact: '+14255550182',
  status: 'open',
  unreadCount: 1,
  lastMessageAt: '2026-12-01T11:00:00.000Z',
  lastInboundAt: '2026-12-01T11:00:00.000Z',
  labels: [],
  ...overrides,
});

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
const handlerOf = (routeId: string): Handler => {
  const route = ROUTES.find((candidate) => candidate.id === routeId)!;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`../../../lambdas/${route.handler}`) as { handler: Handler }).handler;
};
const invoke = (routeId: string, options: { json?: unknown; conversationId?: string; query?: Record<string, string>; headers?: Record<string, string> } = {}) => {
  const route = ROUTES.find((candidate) => candidate.id === routeId)!;
  return handlerOf(routeId)(
    apiEvent({
      httpMethod: route.method,
      path: route.path,
      customerId: 'cust-a',
      pathParameters: options.conversationId ? { conversationId: options.conversationId } : null,
      queryStringParameters: options.query ?? null,
      ...(options.json === undefined ? { body: null } : { json: options.json }),
      ...(options.headers ? { headers: { 'Content-Type': 'application/json', ...options.headers } } : {}),
    }),
    lambdaContext,
  );
};
const send = (json: unknown, headers?: Record<string, string>) => invoke('SendConversationMessage', { json, conversationId: 'cv_a', headers });

beforeEach(() => {
  jest.resetAllMocks();
  jest.useFakeTimers({ now: NOW, doNotFake: ['setTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
  sms.reset();
  social.reset();
  accounts.getCustomer.mockResolvedValue(customer('business'));
  conversations.getConversation.mockResolvedValue(conversation());
  channels.getChannels.mockResolvedValue({ sms: { number: '+18005551000' }, whatsapp: { number: '+15550200001', phoneNumberId: 'phone-number-id-1' }, widget: { publicKey: 'pk_1' } });
  messages.recordOutbound.mockImplementation(async (_customerId, outbound) => ({
    stored: { message: { messageId: outbound.messageId, direction: 'out', text: outbound.text, sentAt: outbound.sentAt, status: 'queued', author: outbound.author }, sk: `MSG#${outbound.sentAt}#${outbound.messageId}` },
    created: true,
  }));
  messages.moveOutboundStatus.mockResolvedValue(true);
  messages.findOutbound.mockImplementation(async (_customerId, _conversationId, messageId) => ({
    message: { messageId, direction: 'out', text: 'x', sentAt: new Date(NOW).toISOString(), status: 'sent' },
    sk: 'MSG#x',
  }));
  sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
  social.on(SendWhatsAppMessageCommand).resolves({ messageId: 'wamid.1' });
});

afterEach(() => jest.useRealTimers());

describe('plan gating', () => {
  // The widget's visitor routes (public) answer WIDGET_UNAVAILABLE instead: widget-routes.test.ts.
  it.each(ROUTES.filter((route) => route.stack === 'messaging' && route.auth === 'customer').map((route) => [route.id]))('%s answers a starter account 403 PLAN_REQUIRED before reading anything else', async (routeId) => {
    accounts.getCustomer.mockResolvedValue(customer('starter'));
    const res = await invoke(routeId, { conversationId: 'cv_a', json: routeId === 'SendConversationMessage' ? { not: 'valid' } : undefined });
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.code).toBe('PLAN_REQUIRED');
    expect(conversations.getConversation).not.toHaveBeenCalled();
    expect(channels.getChannels).not.toHaveBeenCalled();
  });
});

describe('POST /messaging/conversations/{id}/messages', () => {
  it('records the reply, claims it, and sends it once from the customer\'s SMS number with ids (no text) as context', async () => {
    const res = await send({ text: 'On it' });
    expect(res.statusCode).toBe(201);
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(1);
    expect(sms.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toMatchObject({
      DestinationPhoneNumber: '+14255550182',
      OriginationIdentity: '+18005551000',
      MessageBody: 'On it',
      Context: { customerId: 'cust-a', conversationId: 'cv_a' },
    });
    expect(messages.moveOutboundStatus.mock.calls.map((call) => [call[3], call[4]])).toEqual([
      ['queued', 'sending'],
      ['sending', 'sent'],
    ]);
    expect(messages.linkProviderMessage).toHaveBeenCalledWith('cust-a', 'sms', 'sms-1', 'cv_a', expect.stringMatching(/^MSG#/));
  });

  it('a retry with the same Idempotency-Key finds the message claimed and sends nothing', async () => {
    messages.moveOutboundStatus.mockResolvedValue(false);
    const res = await send({ text: 'On it' }, { 'Idempotency-Key': 'reply-1' });
    expect(res.statusCode).toBe(201);
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
    const first = messages.recordOutbound.mock.calls[0]![1].messageId;
    await send({ text: 'On it' }, { 'Idempotency-Key': 'reply-1' });
    expect(messages.recordOutbound.mock.calls[1]![1].messageId).toBe(first);
  });

  it('refuses free text to a WhatsApp contact silent for over 24 hours with 409 TEMPLATE_REQUIRED, recording nothing', async () => {
    conversations.getConversation.mockResolvedValue(conversation({ channel: 'whatsapp', lastInboundAt: '2026-11-30T11:59:59.000Z' }));
    const res = await send({ text: 'Hello again' });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('TEMPLATE_REQUIRED');
    expect(messages.recordOutbound).not.toHaveBeenCalled();
  });

  it('sends an approved template instead, and refuses one that is not approved', async () => {
    conversations.getConversation.mockResolvedValue(conversation({ channel: 'whatsapp', lastInboundAt: undefined }));
    const res = await send({ template: { name: 'conversation_follow_up', language: 'en_US' } });
    expect(res.statusCode).toBe(201);
    const input = social.commandCalls(SendWhatsAppMessageCommand)[0]!.args[0].input;
    expect(input.originationPhoneNumberId).toBe('phone-number-id-1');
    expect(JSON.parse(new TextDecoder().decode(input.message as Uint8Array))).toEqual({
      messaging_product: 'whatsapp',
      to: '+14255550182',
      type: 'template',
      template: { name: 'conversation_follow_up', language: { code: 'en_US' } },
    });
    const unknown = await send({ template: { name: 'made_up', language: 'en_US' } });
    expect(unknown.statusCode).toBe(400);
    expect(bodyOf(unknown).error.details[0].field).toBe('template');
  });

  it('a provider refusal leaves the message failed (201); throttling puts it back to queued (503, retry with the same key)', async () => {
    conversations.getConversation.mockResolvedValue(conversation({ channel: 'whatsapp' }));
    social.on(SendWhatsAppMessageCommand).rejects(new ValidationException({ message: 'bad number', $metadata: { httpStatusCode: 400 } }));
    expect((await send({ text: 'x' })).statusCode).toBe(201);
    expect(messages.moveOutboundStatus.mock.calls.at(-1)!.slice(3, 5)).toEqual(['sending', 'failed']);
    social.on(SendWhatsAppMessageCommand).rejects(new ThrottledRequestException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }));
    expect((await send({ text: 'x' })).statusCode).toBe(503);
    expect(messages.moveOutboundStatus.mock.calls.at(-1)!.slice(3, 5)).toEqual(['sending', 'queued']);
  });

  it('refuses to send while the account is suspended (409 MESSAGING_SUSPENDED), before anything is read', async () => {
    accounts.getCustomer.mockResolvedValue(customer('business', 'suspended'));
    const res = await send({ text: 'x' });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('MESSAGING_SUSPENDED');
    expect(conversations.getConversation).not.toHaveBeenCalled();
  });

  it('answers 404 for a conversation that is not the caller\'s, and 400 naming the fields of a bad body', async () => {
    conversations.getConversation.mockResolvedValue(undefined);
    expect((await send({ text: 'x' })).statusCode).toBe(404);
    const bad = await send({ text: 'x', template: { name: 'conversation_follow_up', language: 'en_US' }, cc: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error.details.map((detail: { field: string }) => detail.field)).toContain('cc');
  });
});

describe('the inbox routes', () => {
  it('refuses a cursor it did not give out, and an unknown filter value, with 400 on that field', async () => {
    const cursor = await invoke('ListConversations', { query: { cursor: 'not-a-cursor' } });
    expect(cursor.statusCode).toBe(400);
    expect(bodyOf(cursor).error.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    const status = await invoke('ListConversations', { query: { status: 'closed' } });
    expect(bodyOf(status).error.details[0].field).toBe('status');
  });

  it('pages with the cursor it gave out, and reading messages marks the conversation read', async () => {
    conversations.listConversations.mockResolvedValue({ items: [conversation()], next: { activityKey: '2026-12-01T11:00:00.000Z#cv_a', conversationId: 'cv_a' } });
    const first = bodyOf(await invoke('ListConversations', { query: { channel: 'sms' } }));
    await invoke('ListConversations', { query: { channel: 'sms', cursor: first.nextCursor } });
    expect(conversations.listConversations.mock.calls[1]).toEqual(['cust-a', { channel: 'sms' }, { activityKey: '2026-12-01T11:00:00.000Z#cv_a', conversationId: 'cv_a' }]);
    messages.listMessages.mockResolvedValue({ items: [] });
    expect((await invoke('ListConversationMessages', { conversationId: 'cv_a' })).statusCode).toBe(200);
    expect(conversations.markConversationRead).toHaveBeenCalledWith('cust-a', 'cv_a');
  });
});
