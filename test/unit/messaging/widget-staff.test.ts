import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ROUTES } from '../../../lambdas/api/routes';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// Staff's side of live chat: the widget's settings routes, its script URL, and replies on chat conversations.
jest.mock('../../../lambdas/repositories/accounts');
jest.mock('../../../lambdas/repositories/conversations');
jest.mock('../../../lambdas/repositories/messages');
jest.mock('../../../lambdas/repositories/messaging-channels');
jest.mock('../../../lambdas/repositories/widget-settings');
/* eslint-disable @typescript-eslint/no-require-imports -- the mocked modules, typed */
const accounts = jest.mocked(require('../../../lambdas/repositories/accounts') as typeof import('../../../lambdas/repositories/accounts'));
const conversations = jest.mocked(require('../../../lambdas/repositories/conversations') as typeof import('../../../lambdas/repositories/conversations'));
const messages = jest.mocked(require('../../../lambdas/repositories/messages') as typeof import('../../../lambdas/repositories/messages'));
const channels = jest.mocked(require('../../../lambdas/repositories/messaging-channels') as typeof import('../../../lambdas/repositories/messaging-channels'));
const settings = jest.mocked(require('../../../lambdas/repositories/widget-settings') as typeof import('../../../lambdas/repositories/widget-settings'));
/* eslint-enable @typescript-eslint/no-require-imports */

const sms = mockClient(PinpointSMSVoiceV2Client);
const social = mockClient(SocialMessagingClient);

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
function invoke(routeId: string, options: { json?: unknown; conversationId?: string } = {}) {
  const route = ROUTES.find((candidate) => candidate.id === routeId)!;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(`../../../lambdas/${route.handler}`) as { handler: Handler };
  return handler(
    apiEvent({
      httpMethod: route.method,
      path: route.path,
      customerId: 'cust-a',
      pathParameters: options.conversationId ? { conversationId: options.conversationId } : null,
      ...(options.json === undefined ? { body: null } : { json: options.json }),
    }),
    lambdaContext,
  );
}
const codeOf = (result: APIGatewayProxyResult) => `${result.statusCode} ${bodyOf(result).error?.code ?? ''}`.trim();

beforeEach(() => {
  jest.resetAllMocks();
  sms.reset();
  social.reset();
  process.env.MESSAGING_WIDGET_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/widget';
  accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'business', status: 'active' } as never);
  channels.getChannels.mockResolvedValue({ sms: { number: '+18005551000' }, whatsapp: { number: '+15550200001', phoneNumberId: 'pn-1' }, widget: { publicKey: 'pk_aaaaaaaaaaaaaaaa' } });
  settings.getWidgetSettings.mockResolvedValue({ allowedOrigins: [] });
});

afterAll(() => {
  delete process.env.MESSAGING_WIDGET_URL;
});

describe('GET and PUT /messaging/widget', () => {
  it('shows the key, the script URL built from the REST API\'s /widget URL, and the allowlist', async () => {
    settings.getWidgetSettings.mockResolvedValue({ allowedOrigins: ['https://shop.example'] });
    const result = await invoke('GetWidgetSettings');
    expect(bodyOf(result)).toEqual({
      publicKey: 'pk_aaaaaaaaaaaaaaaa',
      allowedOrigins: ['https://shop.example'],
      scriptUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/widget/pk_aaaaaaaaaaaaaaaa/widget.js',
    });
    const channelsView = bodyOf(await invoke('GetMessagingChannels'));
    expect(channelsView.widget).toEqual({ publicKey: 'pk_aaaaaaaaaaaaaaaa', scriptUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/widget/pk_aaaaaaaaaaaaaaaa/widget.js' });
  });

  it('replaces the allowlist with canonical origins, each kept once', async () => {
    const result = await invoke('UpdateWidgetSettings', { json: { allowedOrigins: ['https://shop.example', 'https://shop.example', 'https://www.shop.example:8443', 'http://localhost:5173'] } });
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).allowedOrigins).toEqual(['https://shop.example', 'https://www.shop.example:8443', 'http://localhost:5173']);
    expect(settings.putWidgetSettings).toHaveBeenCalledWith('cust-a', { allowedOrigins: ['https://shop.example', 'https://www.shop.example:8443', 'http://localhost:5173'] }, expect.any(Date));
  });

  it('the malformed: paths, wildcards, plain http, upper case, credentials, too many; each named, nothing stored', async () => {
    for (const origin of ['https://shop.example/', 'https://shop.example/page', '*', 'https://*.shop.example', 'http://shop.example', 'https://SHOP.example', 'https://u:p@shop.example', 'javascript:alert(1)', 'https://shop.example:443', 5]) {
      const result = await invoke('UpdateWidgetSettings', { json: { allowedOrigins: [origin] } });
      expect(codeOf(result)).toBe('400 VALIDATION_FAILED');
      expect(bodyOf(result).error.details[0].field).toBe('allowedOrigins.0');
    }
    const many = Array.from({ length: 21 }, (_, index) => `https://shop${index}.example`);
    expect(codeOf(await invoke('UpdateWidgetSettings', { json: { allowedOrigins: many } }))).toBe('400 VALIDATION_FAILED');
    expect(codeOf(await invoke('UpdateWidgetSettings', { json: { allowedOrigins: 'https://shop.example' } }))).toBe('400 VALIDATION_FAILED');
    expect(settings.putWidgetSettings).not.toHaveBeenCalled();
  });

  it('starter: 403 PLAN_REQUIRED before the body is read; no widget key yet: 409 CHANNELS_NOT_READY', async () => {
    accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'starter', status: 'active' } as never);
    expect(codeOf(await invoke('UpdateWidgetSettings', { json: { allowedOrigins: ['nope'] } }))).toBe('403 PLAN_REQUIRED');
    expect(codeOf(await invoke('GetWidgetSettings'))).toBe('403 PLAN_REQUIRED');
    accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'business', status: 'active' } as never);
    channels.getChannels.mockResolvedValue(undefined);
    expect(codeOf(await invoke('UpdateWidgetSettings', { json: { allowedOrigins: ['https://shop.example'] } }))).toBe('409 CHANNELS_NOT_READY');
    expect(settings.putWidgetSettings).not.toHaveBeenCalled();
  });
});

describe('a staff reply on a chat conversation', () => {
  it('goes through no provider: recorded, claimed once and marked sent (the fan-out delivers it)', async () => {
    conversations.getConversation.mockResolvedValue({ conversationId: 'cv_chat', channel: 'chat', contact: 'vis_1', status: 'open', unreadCount: 1, lastMessageAt: '2026-12-01T11:00:00.000Z', labels: [] });
    messages.recordOutbound.mockImplementation(async (_customerId, outbound) => ({
      stored: { message: { messageId: outbound.messageId, direction: 'out', text: outbound.text, sentAt: outbound.sentAt, status: 'queued' }, sk: 'MSG#x' },
      created: true,
    }));
    messages.moveOutboundStatus.mockResolvedValue(true);
    messages.findOutbound.mockImplementation(async (_customerId, _conversationId, messageId) => ({ message: { messageId, direction: 'out', text: 'Hello!', sentAt: '2026-12-01T12:00:00.000Z', status: 'sent' }, sk: 'MSG#x' }));
    const result = await invoke('SendConversationMessage', { json: { text: 'Hello!' }, conversationId: 'cv_chat' });
    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({ status: 'sent', text: 'Hello!' });
    expect(messages.moveOutboundStatus.mock.calls.map((call) => `${call[3]}->${call[4]}`)).toEqual(['queued->sending', 'sending->sent']);
    expect(messages.linkProviderMessage).not.toHaveBeenCalled();
    expect(sms.calls()).toHaveLength(0);
    expect(social.calls()).toHaveLength(0);
  });

  it('a WhatsApp template on a chat conversation is refused; a suspended account cannot reply', async () => {
    conversations.getConversation.mockResolvedValue({ conversationId: 'cv_chat', channel: 'chat', contact: 'vis_1', status: 'open', unreadCount: 0, lastMessageAt: '2026-12-01T11:00:00.000Z', labels: [] });
    expect(codeOf(await invoke('SendConversationMessage', { json: { template: { name: 'hello_world', language: 'en_US' } }, conversationId: 'cv_chat' }))).toBe('400 VALIDATION_FAILED');
    accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'business', status: 'suspended' } as never);
    expect(codeOf(await invoke('SendConversationMessage', { json: { text: 'Hi' }, conversationId: 'cv_chat' }))).toBe('409 MESSAGING_SUSPENDED');
    expect(messages.recordOutbound).not.toHaveBeenCalled();
  });
});
