import { randomUUID } from 'node:crypto';
import { WidgetRateLimitedError } from '../../../lambdas/core/errors';
import { conversationIdFor } from '../../../lambdas/messaging/model';
import { postVisitorMessage, visitorHistory } from '../../../lambdas/messaging/widget-chat';
import { WIDGET_LIMITS } from '../../../lambdas/messaging/widget-limits';
import { getConversation } from '../../../lambdas/repositories/conversations';
import { findInbound, listMessages, recordInbound } from '../../../lambdas/repositories/messages';
import { reserveVisitorCreation, reserveVisitorMessage } from '../../../lambdas/repositories/widget-rates';
import { getWidgetSettings, putWidgetSettings } from '../../../lambdas/repositories/widget-settings';

/** Against DynamoDB Local (the repositories project): every test on customers of its own. */
const newCustomer = () => `c${randomUUID().replace(/-/g, '')}`;
const visitorOf = (customerId: string, visitorId = `vis_${randomUUID().slice(0, 8)}`) => ({ customerId, visitorId, conversationId: conversationIdFor(customerId, 'chat', visitorId) });
const NOW = new Date('2026-12-01T12:00:00.000Z');

jest.setTimeout(60_000);

describe('widget settings', () => {
  it('allow no origin until set; a put replaces the list, and another customer\'s stays its own', async () => {
    const a = newCustomer();
    const b = newCustomer();
    expect(await getWidgetSettings(a)).toEqual({ allowedOrigins: [] });
    await putWidgetSettings(a, { allowedOrigins: ['https://a.example', 'https://www.a.example'] }, NOW);
    await putWidgetSettings(b, { allowedOrigins: ['https://b.example'] }, NOW);
    await putWidgetSettings(a, { allowedOrigins: ['https://a.example'] }, NOW);
    expect(await getWidgetSettings(a)).toEqual({ allowedOrigins: ['https://a.example'] });
    expect(await getWidgetSettings(b)).toEqual({ allowedOrigins: ['https://b.example'] });
  });
});

describe('widget rate windows', () => {
  it('a burst of one visitor gets exactly the budget; another visitor and another key have their own', async () => {
    const customer = newCustomer();
    const now = NOW.getTime();
    const burst = await Promise.all(Array.from({ length: 30 }, () => reserveVisitorMessage(customer, 'vis_1', WIDGET_LIMITS.visitorMessages, now)));
    expect(burst.filter((reservation) => reservation.allowed)).toHaveLength(WIDGET_LIMITS.visitorMessages.max);
    expect(burst.find((reservation) => !reservation.allowed)).toEqual({ allowed: false, retryAfterMs: 60_000 });
    expect(await reserveVisitorMessage(customer, 'vis_2', WIDGET_LIMITS.visitorMessages, now)).toEqual({ allowed: true, used: 1 });
    expect(await reserveVisitorCreation(customer, WIDGET_LIMITS.visitorCreations, now)).toEqual({ allowed: true, used: 1 });
    // The window closes a minute after it opened.
    expect(await reserveVisitorMessage(customer, 'vis_1', WIDGET_LIMITS.visitorMessages, now + 60_001)).toEqual({ allowed: true, used: 1 });
  });
});

describe('findInbound', () => {
  it('finds a recorded message by its provider id, within its customer only', async () => {
    const customer = newCustomer();
    const visitor = visitorOf(customer);
    await recordInbound(customer, { channel: 'chat', contact: visitor.visitorId, providerMessageId: `${visitor.visitorId}:c1`, text: 'hi', sentAt: NOW.toISOString(), conversationId: visitor.conversationId, messageId: 'msg_1' });
    expect(await findInbound(customer, 'chat', `${visitor.visitorId}:c1`)).toEqual({ messageId: 'msg_1', direction: 'in', text: 'hi', sentAt: NOW.toISOString(), status: 'received' });
    expect(await findInbound(newCustomer(), 'chat', `${visitor.visitorId}:c1`)).toBeUndefined();
    expect(await findInbound(customer, 'sms', `${visitor.visitorId}:c1`)).toBeUndefined();
  });
});

describe('a visitor\'s messages (postVisitorMessage on DynamoDB Local)', () => {
  it('the burst: 50 identical messages with one clientMessageId make one message and one unread; every answer is it or a 429', async () => {
    const customer = newCustomer();
    const visitor = visitorOf(customer);
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => postVisitorMessage(visitor, 'Is the shop open?', 'c-burst', NOW)));
    const answered = outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value);
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason as unknown);
    expect(refused.every((reason) => reason instanceof WidgetRateLimitedError)).toBe(true);
    expect(answered.length).toBeGreaterThan(0);
    const stored = (await listMessages(customer, visitor.conversationId)).items;
    expect(stored).toHaveLength(1);
    expect(new Set(answered.map((message) => message.messageId))).toEqual(new Set([stored[0]!.messageId]));
    expect(await getConversation(customer, visitor.conversationId)).toMatchObject({ channel: 'chat', contact: visitor.visitorId, unreadCount: 1, status: 'open' });
    // The same id again later (a retry) answers the first message, and costs no rate.
    expect(await postVisitorMessage(visitor, 'Is the shop open?', 'c-burst', new Date(NOW.getTime() + 1000))).toEqual(answered[0]);
  });

  it('the other tenant: a visitor\'s history is its own conversation only', async () => {
    const a = newCustomer();
    const b = newCustomer();
    const mine = visitorOf(a);
    const other = visitorOf(a);
    const elsewhere = { ...visitorOf(b), visitorId: mine.visitorId, conversationId: conversationIdFor(b, 'chat', mine.visitorId) };
    await postVisitorMessage(mine, 'mine', 'c1', NOW);
    await postVisitorMessage(other, 'other visitor', 'c1', NOW);
    await postVisitorMessage(elsewhere, 'other customer', 'c1', NOW);
    expect((await visitorHistory(mine)).items.map((message) => message.text)).toEqual(['mine']);
    expect((await visitorHistory(elsewhere)).items.map((message) => message.text)).toEqual(['other customer']);
  });
});
