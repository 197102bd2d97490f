import { randomUUID } from 'node:crypto';
import { conversationIdFor, type Channel } from '../../../lambdas/messaging/model';
import {
  getConversation,
  listConversations,
  markConversationRead,
  setConversationStatus,
  updateConversationDetails,
  CONVERSATION_PAGE_SIZE,
} from '../../../lambdas/repositories/conversations';
import { applyReceipt, findOutbound, linkProviderMessage, listMessages, moveOutboundStatus, recordInbound, recordOutbound } from '../../../lambdas/repositories/messages';
import { assignChannels, ChannelTakenError, customerOfAddress, getChannels, releaseChannels } from '../../../lambdas/repositories/messaging-channels';

/** Against DynamoDB Local (the repositories project): every test on customers of its own. */
const newCustomer = () => `c${randomUUID().replace(/-/g, '')}`;
const inbound = (customerId: string, overrides: { channel?: Channel; contact?: string; providerMessageId?: string; text?: string; sentAt?: string } = {}) => {
  const channel = overrides.channel ?? 'sms';
  const contact = overrides.contact ?? '+14255550182';
  const providerMessageId = overrides.providerMessageId ?? randomUUID();
  return {
    channel,
    contact,
    providerMessageId,
    text: overrides.text ?? 'hello',
    sentAt: overrides.sentAt ?? '2026-12-01T10:00:00.000Z',
    conversationId: conversationIdFor(customerId, channel, contact),
    messageId: `msg_${providerMessageId}`,
  };
};

jest.setTimeout(60_000);

describe('recordInbound', () => {
  it('the burst: 50 deliveries of one provider message at once make one message and one unread', async () => {
    const customer = newCustomer();
    const message = inbound(customer);
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => recordInbound(customer, message)));
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect((await listMessages(customer, message.conversationId)).items).toHaveLength(1);
    expect(await getConversation(customer, message.conversationId)).toMatchObject({ unreadCount: 1, status: 'open', channel: 'sms', contact: '+14255550182' });
  });

  it('orders by provider timestamp, not arrival; a late older message leaves the activity alone', async () => {
    const customer = newCustomer();
    const later = inbound(customer, { sentAt: '2026-12-01T10:00:05.000Z', text: 'second' });
    const earlier = inbound(customer, { sentAt: '2026-12-01T10:00:01.000Z', text: 'first' });
    await recordInbound(customer, later);
    await recordInbound(customer, earlier);
    const page = await listMessages(customer, later.conversationId);
    expect(page.items.map((item) => item.text)).toEqual(['second', 'first']);
    expect(await getConversation(customer, later.conversationId)).toMatchObject({ unreadCount: 2, lastMessageAt: later.sentAt, lastInboundAt: later.sentAt });
  });

  it('reopens a resolved conversation', async () => {
    const customer = newCustomer();
    const first = inbound(customer);
    await recordInbound(customer, first);
    await setConversationStatus(customer, first.conversationId, 'resolved');
    await recordInbound(customer, inbound(customer, { sentAt: '2026-12-01T11:00:00.000Z' }));
    expect(await getConversation(customer, first.conversationId)).toMatchObject({ status: 'open' });
    expect((await listConversations(customer, { status: 'resolved' })).items).toEqual([]);
  });
});

describe('listConversations', () => {
  it('lists by last activity, filtered by status and channel, a page at a time, and only the caller\'s', async () => {
    const customer = newCustomer();
    const other = newCustomer();
    const total = CONVERSATION_PAGE_SIZE + 5;
    for (let i = 0; i < total; i++) {
      const channel: Channel = i % 2 === 0 ? 'sms' : 'whatsapp';
      await recordInbound(customer, inbound(customer, { channel, contact: `+1425555${String(1000 + i)}`, sentAt: `2026-12-01T10:${String(i).padStart(2, '0')}:00.000Z` }));
    }
    await recordInbound(other, inbound(other));
    const first = await listConversations(customer, {});
    expect(first.items).toHaveLength(CONVERSATION_PAGE_SIZE);
    expect(first.items[0]!.lastMessageAt).toBe(`2026-12-01T10:${String(total - 1).padStart(2, '0')}:00.000Z`);
    const second = await listConversations(customer, {}, first.next);
    expect(second.items).toHaveLength(5);
    expect(second.next).toBeUndefined();
    expect(new Set([...first.items, ...second.items].map((item) => item.conversationId)).size).toBe(total);

    const whatsapp = await listConversations(customer, { channel: 'whatsapp' });
    expect(whatsapp.items.every((item) => item.channel === 'whatsapp')).toBe(true);
    expect(whatsapp.items).toHaveLength(12);
    await setConversationStatus(customer, whatsapp.items[0]!.conversationId, 'resolved');
    expect((await listConversations(customer, { status: 'resolved', channel: 'whatsapp' })).items.map((item) => item.conversationId)).toEqual([whatsapp.items[0]!.conversationId]);
    expect((await listConversations(customer, { status: 'open', channel: 'whatsapp' })).items).toHaveLength(11);
    expect((await listConversations(customer, { status: 'resolved', channel: 'sms' })).items).toEqual([]);
  });

  it('another customer\'s conversation id reads as nothing, and cannot be updated', async () => {
    const owner = newCustomer();
    const intruder = newCustomer();
    const message = inbound(owner);
    await recordInbound(owner, message);
    expect(await getConversation(intruder, message.conversationId)).toBeUndefined();
    expect(await setConversationStatus(intruder, message.conversationId, 'resolved')).toBeUndefined();
    expect(await updateConversationDetails(intruder, message.conversationId, { assignee: 'x' })).toBeUndefined();
    expect((await listMessages(intruder, message.conversationId)).items).toEqual([]);
    expect(await getConversation(owner, message.conversationId)).toMatchObject({ status: 'open' });
  });
});

describe('conversation details and read state', () => {
  it('assigns, labels, unassigns and marks read', async () => {
    const customer = newCustomer();
    const message = inbound(customer);
    await recordInbound(customer, message);
    expect(await updateConversationDetails(customer, message.conversationId, { assignee: 'staff-1', labels: ['vip'] })).toMatchObject({ assignee: 'staff-1', labels: ['vip'] });
    const unassigned = await updateConversationDetails(customer, message.conversationId, { assignee: null });
    expect(unassigned).toMatchObject({ labels: ['vip'] });
    expect(unassigned?.assignee).toBeUndefined();
    await markConversationRead(customer, message.conversationId);
    await markConversationRead(customer, message.conversationId);
    expect(await getConversation(customer, message.conversationId)).toMatchObject({ unreadCount: 0 });
  });
});

describe('outbound messages', () => {
  it('records once per message id, and exactly one of 50 senders claims it', async () => {
    const customer = newCustomer();
    const message = inbound(customer);
    await recordInbound(customer, message);
    const outbound = { conversationId: message.conversationId, channel: 'sms' as const, messageId: `msg_${randomUUID()}`, text: 'hi', author: customer, sentAt: '2026-12-01T10:05:00.000Z' };
    const records = await Promise.all(Array.from({ length: 10 }, () => recordOutbound(customer, outbound)));
    expect(records.filter((record) => record.created)).toHaveLength(1);
    const { sk } = records[0]!.stored;
    const claims = await Promise.all(Array.from({ length: 50 }, () => moveOutboundStatus(customer, message.conversationId, sk, 'queued', 'sending')));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await moveOutboundStatus(customer, message.conversationId, sk, 'sending', 'sent', { providerMessageId: 'p-1' })).toBe(true);
    await linkProviderMessage(customer, 'sms', 'p-1', message.conversationId, sk);
    expect(await findOutbound(customer, message.conversationId, outbound.messageId)).toMatchObject({ providerMessageId: 'p-1', message: { status: 'sent', direction: 'out' } });
    expect(await getConversation(customer, message.conversationId)).toMatchObject({ lastMessageAt: outbound.sentAt });
  });

  it('receipts move a message forward only, and only the sender\'s', async () => {
    const customer = newCustomer();
    const message = inbound(customer);
    await recordInbound(customer, message);
    const outbound = { conversationId: message.conversationId, channel: 'whatsapp' as const, messageId: `msg_${randomUUID()}`, text: 'hi', author: customer, sentAt: '2026-12-01T10:05:00.000Z' };
    const { stored } = await recordOutbound(customer, outbound);
    await moveOutboundStatus(customer, message.conversationId, stored.sk, 'queued', 'sent', { providerMessageId: 'wamid.1' });
    await linkProviderMessage(customer, 'whatsapp', 'wamid.1', message.conversationId, stored.sk);
    expect(await applyReceipt(newCustomer(), 'whatsapp', 'wamid.1', 'read')).toBe(false);
    expect(await applyReceipt(customer, 'whatsapp', 'wamid.1', 'read')).toBe(true);
    expect(await applyReceipt(customer, 'whatsapp', 'wamid.1', 'delivered')).toBe(false);
    expect((await findOutbound(customer, message.conversationId, outbound.messageId))?.message.status).toBe('read');
  });
});

describe('channels', () => {
  it('routes numbers to their customer, refuses another customer\'s number, and releases', async () => {
    const customer = newCustomer();
    const number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const channels = { sms: { number }, whatsapp: { number, phoneNumberId: 'phone-number-id-1' }, widget: { publicKey: `pk_${randomUUID()}` } };
    await assignChannels(customer, channels);
    await assignChannels(customer, channels);
    expect(await getChannels(customer)).toEqual(channels);
    expect(await customerOfAddress('sms', number)).toBe(customer);
    await expect(assignChannels(newCustomer(), { sms: { number } })).rejects.toBeInstanceOf(ChannelTakenError);
    expect(await releaseChannels(customer)).toEqual(channels);
    expect(await customerOfAddress('sms', number)).toBeUndefined();
    expect(await getChannels(customer)).toBeUndefined();
  });
});
