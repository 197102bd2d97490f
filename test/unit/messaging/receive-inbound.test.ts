import { handler as receiveSms } from '../../../lambdas/messaging/receive-sms';
import { handler as receiveWhatsApp } from '../../../lambdas/messaging/receive-whatsapp';
import { conversationIdFor } from '../../../lambdas/messaging/model';

jest.mock('../../../lambdas/repositories/accounts');
jest.mock('../../../lambdas/repositories/messages');
jest.mock('../../../lambdas/repositories/messaging-channels');
jest.mock('../../../lambdas/repositories/dropped-messages');
/* eslint-disable @typescript-eslint/no-require-imports -- the mocked modules, typed */
const accounts = jest.mocked(require('../../../lambdas/repositories/accounts') as typeof import('../../../lambdas/repositories/accounts'));
const messages = jest.mocked(require('../../../lambdas/repositories/messages') as typeof import('../../../lambdas/repositories/messages'));
const channels = jest.mocked(require('../../../lambdas/repositories/messaging-channels') as typeof import('../../../lambdas/repositories/messaging-channels'));
const dropped = jest.mocked(require('../../../lambdas/repositories/dropped-messages') as typeof import('../../../lambdas/repositories/dropped-messages'));
/* eslint-enable @typescript-eslint/no-require-imports */

/** SNS's envelope around one message, as Lambda receives it. */
const snsEvent = (message: string, timestamp = '2026-12-01T10:00:00.000Z') =>
  ({ Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'sns-1', Message: message, Timestamp: timestamp } }] }) as never;

// The documented payloads (sms-voice two-way payload; social-messaging event format with Meta's entry as a string).
const twoWaySms = JSON.stringify({
  originationNumber: '+14255550182',
  destinationNumber: '+12125550101',
  messageKeyword: 'JOIN',
  messageBody: 'EXAMPLE',
  inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
  previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
});
const whatsApp = (value: Record<string, unknown>) =>
  JSON.stringify({
    context: { MetaWabaIds: [{ wabaId: '1234567890abcde', arn: 'arn:aws:social-messaging:us-east-1:123456789012:waba/x' }], MetaPhoneNumberIds: [] },
    whatsAppWebhookEntry: JSON.stringify({ id: '1234567890abcde', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550200001', phone_number_id: 'abc' }, ...value } }] }),
    aws_account_id: '123456789012',
    message_timestamp: '2025-01-08T23:30:43.271279391Z',
    messageId: '6d69f07a-c317-4278-9d5c-6a84078419ec',
  });

beforeEach(() => {
  jest.resetAllMocks();
  channels.customerOfAddress.mockResolvedValue('cust-a');
  accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'business', status: 'active' } as never);
  messages.recordInbound.mockResolvedValue('created');
});

describe('inbound SMS', () => {
  it('routes by the number written to and files the message at the SNS timestamp, in the contact\'s conversation', async () => {
    expect(await receiveSms(snsEvent(twoWaySms))).toEqual({ outcomes: ['created'] });
    expect(channels.customerOfAddress).toHaveBeenCalledWith('sms', '+12125550101');
    expect(messages.recordInbound).toHaveBeenCalledWith('cust-a', expect.objectContaining({
      channel: 'sms',
      contact: '+14255550182',
      providerMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
      text: 'EXAMPLE',
      sentAt: '2026-12-01T10:00:00.000Z',
      conversationId: conversationIdFor('cust-a', 'sms', '+14255550182'),
    }));
  });

  it('turns a TEXT_DELIVERED event into a receipt, and skips what it cannot read', async () => {
    messages.applyReceipt.mockResolvedValue(true);
    const delivered = JSON.stringify({ eventType: 'TEXT_DELIVERED', eventVersion: '1.0', eventTimestamp: 1686975103470, originationPhoneNumber: '+12065550152', destinationPhoneNumber: '+14255550156', messageId: 'm-1', messageStatus: 'DELIVERED' });
    expect(await receiveSms(snsEvent(delivered))).toEqual({ outcomes: ['receipt'] });
    expect(messages.applyReceipt).toHaveBeenCalledWith('cust-a', 'sms', 'm-1', 'delivered');
    expect(await receiveSms(snsEvent('{"hello":'))).toEqual({ outcomes: ['unreadable'] });
  });

  it('drops (and records) a message for a suspended account, and one for a number that is no one\'s', async () => {
    accounts.getCustomer.mockResolvedValue({ customerId: 'cust-a', plan: 'business', status: 'suspended' } as never);
    expect(await receiveSms(snsEvent(twoWaySms))).toEqual({ outcomes: ['dropped'] });
    expect(dropped.recordDropped).toHaveBeenCalledWith('cust-a', 'sms', 'cae173d2-66b9-564c-8309-21f858e9fb84', 'suspended');
    expect(messages.recordInbound).not.toHaveBeenCalled();
    channels.customerOfAddress.mockResolvedValue(undefined);
    expect(await receiveSms(snsEvent(twoWaySms))).toEqual({ outcomes: ['unrouted'] });
  });
});

describe('inbound WhatsApp', () => {
  it('files each message at its own provider timestamp, and applies read receipts', async () => {
    messages.applyReceipt.mockResolvedValue(true);
    const event = whatsApp({
      messages: [{ from: '14255550182', id: 'wamid.A', timestamp: '1764583200', type: 'text', text: { body: 'hi' } }],
      statuses: [{ id: 'wamid.OUT', status: 'read', timestamp: '1764583201', recipient_id: '14255550182' }],
    });
    expect(await receiveWhatsApp(snsEvent(event))).toEqual({ outcomes: ['created', 'receipt'] });
    expect(channels.customerOfAddress).toHaveBeenCalledWith('whatsapp', '+15550200001');
    expect(messages.recordInbound).toHaveBeenCalledWith('cust-a', expect.objectContaining({ contact: '+14255550182', providerMessageId: 'wamid.A', text: 'hi', sentAt: '2025-12-01T10:00:00.000Z' }));
    expect(messages.applyReceipt).toHaveBeenCalledWith('cust-a', 'whatsapp', 'wamid.OUT', 'read');
  });

  it('skips a notification whose entry is not Meta\'s shape', async () => {
    expect(await receiveWhatsApp(snsEvent(JSON.stringify({ whatsAppWebhookEntry: '{"changes": "no"}' })))).toEqual({ outcomes: ['unreadable'] });
    expect(messages.recordInbound).not.toHaveBeenCalled();
  });
});
