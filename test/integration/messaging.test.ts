import { randomUUID } from 'node:crypto';
import { signedFetch } from '../../bin/admin-request';
import { apiBase, call, edgeBase, eventually, newSignup, signUpVerified } from './api-client';

/**
 * Messaging on the shared local stack, two business customers at once: clients write in by SMS and WhatsApp
 * (the sandbox delivers as SNS would), staff read and reply, receipts arrive, a redelivery burst lands once,
 * neither customer reaches the other's conversations, and a starter account is refused on every route.
 *
 * Channels come from provisioning itself (its "Allocate messaging channels" step).
 */
interface Staff {
  readonly customerId: string;
  readonly accessToken: string;
  sms?: string;
  whatsapp?: string;
}

const edge = () => edgeBase();
const api = (staff: Staff, method: string, path: string, json?: unknown, headers?: Record<string, string>) => call(method, path, { token: staff.accessToken, json, headers });
const inbound = (body: Record<string, unknown>) =>
  fetch(`${edge()}/_sandbox/messaging/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));
const sent = async () => ((await (await fetch(`${edge()}/_sandbox/messaging/sent`)).json()) as { messages: { providerMessageId: string; channel: string; from: string; to: string; text?: string }[] }).messages;

async function businessCustomer(): Promise<Staff> {
  const res = await signUpVerified(newSignup({ plan: 'business' }));
  return { customerId: res.body.customerId as string, accessToken: res.body.accessToken as string };
}

let a: Staff;
let b: Staff;
let starter: Staff;

beforeAll(async () => {
  [a, b, starter] = await Promise.all([businessCustomer(), businessCustomer(), signUpVerified(newSignup()).then((res) => ({ customerId: res.body.customerId as string, accessToken: res.body.accessToken as string }))]);
  // Provisioning's "Allocate messaging channels" step gives each business customer its numbers.
  for (const staff of [a, b]) {
    const channels = await eventually(async () => {
      const res = await api(staff, 'GET', '/messaging/channels');
      return res.status === 200 ? res : undefined;
    }, 15_000, 'messaging channels provisioned');
    staff.sms = channels.body.sms.number as string;
    staff.whatsapp = channels.body.whatsapp.number as string;
  }
  expect(new Set([a.sms, b.sms, a.whatsapp, b.whatsapp]).size).toBe(4);
  // Its SMS number is requested tagged with the customer: the sandbox's inventory shows it.
  const inventory = (await (await fetch(`${edge()}/_sandbox/inventory?customer=${a.customerId}`)).json()) as { phoneNumbers: { phoneNumber: string }[] };
  expect(inventory.phoneNumbers.map((number) => number.phoneNumber)).toEqual([a.sms]);
});

describe('two customers messaging at once', () => {
  it('lands each client message in its own customer\'s conversation, replies on the same channel, and keeps the other tenant out', async () => {
    const client = '+14255550182';
    // Both customers' clients write on both channels at the same time.
    const deliveries = await Promise.all(
      [a, b].flatMap((staff) => [
        inbound({ channel: 'sms', from: client, to: staff.sms, text: `sms for ${staff.customerId}` }),
        inbound({ channel: 'whatsapp', from: client, to: staff.whatsapp, text: `whatsapp for ${staff.customerId}` }),
      ]),
    );
    expect(deliveries.map((delivery) => delivery.status)).toEqual([202, 202, 202, 202]);

    const inboxes = await Promise.all([a, b].map((staff) => api(staff, 'GET', '/messaging/conversations')));
    for (const [index, staff] of [a, b].entries()) {
      const { items } = inboxes[index]!.body as { items: { conversationId: string; channel: string; contact: string; unreadCount: number; status: string }[] };
      expect(items.map((item) => item.channel).sort()).toEqual(['sms', 'whatsapp']);
      expect(items.every((item) => item.contact === client && item.unreadCount === 1 && item.status === 'open')).toBe(true);
      const smsConversation = items.find((item) => item.channel === 'sms')!;
      const messages = await api(staff, 'GET', `/messaging/conversations/${smsConversation.conversationId}/messages`);
      expect(messages.body.items).toEqual([expect.objectContaining({ direction: 'in', text: `sms for ${staff.customerId}`, status: 'received' })]);
    }
    const aItems = inboxes[0]!.body.items as { conversationId: string; channel: string; unreadCount: number }[];
    const aSms = aItems.find((item) => item.channel === 'sms')!.conversationId;
    const aWhatsApp = aItems.find((item) => item.channel === 'whatsapp')!.conversationId;

    // Reading marked A's SMS conversation read; WhatsApp's is still unread.
    const after = (await api(a, 'GET', '/messaging/conversations')).body.items as { conversationId: string; unreadCount: number }[];
    expect(after.find((item) => item.conversationId === aSms)?.unreadCount).toBe(0);
    expect(after.find((item) => item.conversationId === aWhatsApp)?.unreadCount).toBe(1);

    // B reaches for A's conversation on every route: the same 404 as an id that does not exist.
    for (const [method, path, body] of [
      ['GET', `/messaging/conversations/${aSms}/messages`],
      ['POST', `/messaging/conversations/${aSms}/messages`, { text: 'hi' }],
      ['POST', `/messaging/conversations/${aSms}/resolve`],
      ['POST', `/messaging/conversations/${aSms}/reopen`],
      ['PATCH', `/messaging/conversations/${aSms}`, { assignee: 'intruder' }],
    ] as const) {
      const res = await api(b, method, path, body);
      expect(`${method} ${res.status} ${res.body?.error?.code}`).toBe(`${method} 404 NOT_FOUND`);
    }

    // A replies on each channel; the sandbox saw each go out from A's own numbers.
    const smsReply = await api(a, 'POST', `/messaging/conversations/${aSms}/messages`, { text: 'Thanks, on it' }, { 'Idempotency-Key': randomUUID() });
    expect(smsReply.status).toBe(201);
    expect(smsReply.body).toMatchObject({ direction: 'out', text: 'Thanks, on it', status: 'sent', author: a.customerId });
    const whatsAppReply = await api(a, 'POST', `/messaging/conversations/${aWhatsApp}/messages`, { text: 'Hello on WhatsApp' });
    expect(whatsAppReply.status).toBe(201);
    const out = await sent();
    expect(out).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'sms', from: a.sms, to: client, text: 'Thanks, on it' }), expect.objectContaining({ channel: 'whatsapp', to: client, text: 'Hello on WhatsApp' })]));

    // WhatsApp's read receipt moves A's reply to read.
    const whatsAppSent = out.find((message) => message.channel === 'whatsapp' && message.text === 'Hello on WhatsApp')!;
    const receipt = await fetch(`${edge()}/_sandbox/messaging/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ providerMessageId: whatsAppSent.providerMessageId, status: 'read', businessNumber: a.whatsapp }),
    });
    expect(receipt.status).toBe(202);
    const thread = (await api(a, 'GET', `/messaging/conversations/${aWhatsApp}/messages`)).body.items as { messageId: string; status: string }[];
    expect(thread.find((message) => message.messageId === whatsAppReply.body.messageId)?.status).toBe('read');

    // Resolve, assign and label; bad bodies name their fields.
    expect((await api(a, 'POST', `/messaging/conversations/${aSms}/resolve`)).body).toMatchObject({ status: 'resolved' });
    expect((await api(a, 'GET', '/messaging/conversations?status=resolved')).body.items.map((item: { conversationId: string }) => item.conversationId)).toEqual([aSms]);
    expect((await api(a, 'PATCH', `/messaging/conversations/${aSms}`, { assignee: 'ada', labels: ['billing'] })).body).toMatchObject({ assignee: 'ada', labels: ['billing'] });
    const bad = await api(a, 'POST', `/messaging/conversations/${aSms}/messages`, { text: '', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['extra', 'text']);
  });

  it('the burst: a provider redelivering one message 50 times at once lands it once', async () => {
    const providerMessageId = randomUUID();
    const client = '+14255550199';
    const deliveries = await Promise.all(Array.from({ length: 50 }, () => inbound({ channel: 'sms', from: client, to: b.sms, text: 'just once', providerMessageId })));
    expect(deliveries.every((delivery) => delivery.status === 202)).toBe(true);
    const conversation = ((await api(b, 'GET', '/messaging/conversations?channel=sms')).body.items as { conversationId: string; contact: string; unreadCount: number }[]).find((item) => item.contact === client)!;
    expect(conversation.unreadCount).toBe(1);
    const messages = await api(b, 'GET', `/messaging/conversations/${conversation.conversationId}/messages`);
    expect(messages.body.items).toHaveLength(1);
  });

  it('a starter account is refused on every messaging route with 403 PLAN_REQUIRED', async () => {
    const id = 'cv_0000000000000000000000';
    for (const [method, path, body] of [
      ['GET', '/messaging/channels'],
      ['GET', '/messaging/conversations'],
      ['GET', `/messaging/conversations/${id}/messages`],
      ['POST', `/messaging/conversations/${id}/messages`, { text: 'hi' }],
      ['POST', `/messaging/conversations/${id}/resolve`],
      ['POST', `/messaging/conversations/${id}/reopen`],
      ['PATCH', `/messaging/conversations/${id}`, { labels: [] }],
    ] as const) {
      const res = await api(starter, method, path, body);
      expect(`${method} ${path} ${res.status} ${res.body?.error?.code}`).toBe(`${method} ${path} 403 PLAN_REQUIRED`);
    }
  });

  it('suspended: the operators\' suspend stops sending and receiving; after the resume sending works again', async () => {
    const client = '+14255550123';
    expect((await inbound({ channel: 'sms', from: client, to: a.sms, text: 'before' })).status).toBe(202);
    const conversation = ((await api(a, 'GET', '/messaging/conversations?channel=sms')).body.items as { conversationId: string; contact: string }[]).find((item) => item.contact === client)!;
    const status = async () => (await api(a, 'GET', `/customers/${a.customerId}/status`)).body?.status as string | undefined;
    const admin = (action: 'suspend' | 'resume') => signedFetch('POST', new URL(`${apiBase()}/admin/customers/${a.customerId}/${action}`));

    // Provisioning goes on after the channels are allocated: the operators suspend an active account.
    await eventually(async () => ((await status()) === 'active' ? true : undefined), 30_000, 'active');
    const suspend = await admin('suspend');
    expect(suspend.status).toBe(202);
    await eventually(async () => ((await status()) === 'suspended' ? true : undefined), 30_000, 'suspended');
    const refused = await api(a, 'POST', `/messaging/conversations/${conversation.conversationId}/messages`, { text: 'while suspended' }, { 'Idempotency-Key': randomUUID() });
    expect(`${refused.status} ${refused.body.error.code}`).toBe('409 MESSAGING_SUSPENDED');
    // Inbound is dropped (recorded without its text), not filed: the conversation does not change.
    expect((await inbound({ channel: 'sms', from: client, to: a.sms, text: 'while you were away' })).status).toBe(202);
    expect((await api(a, 'GET', `/messaging/conversations/${conversation.conversationId}/messages`)).body.items.map((item: { text: string }) => item.text)).toEqual(['before']);

    expect((await admin('resume')).status).toBe(202);
    await eventually(async () => ((await status()) === 'active' ? true : undefined), 30_000, 'active again');
    const reply = await api(a, 'POST', `/messaging/conversations/${conversation.conversationId}/messages`, { text: 'back' }, { 'Idempotency-Key': randomUUID() });
    expect(reply.status).toBe(201);
    expect((await sent()).some((message) => message.from === a.sms && message.to === client && message.text === 'back')).toBe(true);
  });
});
