import { randomUUID } from 'node:crypto';
import { PinpointSMSVoiceV2Client, ReleasePhoneNumberCommand, RequestPhoneNumberCommand, UpdatePhoneNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A customer's messaging channels across its life, against DynamoDB Local with End User Messaging SMS mocked:
 * allocated (idempotently, even 20 times at once), released in a restartable order (the number released, the
 * WhatsApp number back in the pool, the routing gone), and its history deleted once the retention is over.
 */
const plans = new Map<string, { plan: string; status: string }>();
jest.mock('../../../lambdas/repositories/accounts', () => ({
  getCustomer: async (customerId: string) => {
    const account = plans.get(customerId);
    return account ? { customerId, ...account } : undefined;
  },
}));

const sms = mockClient(PinpointSMSVoiceV2Client);
let numbers = 0;

async function load() {
  const { allocateMessagingChannels, phoneNumberClientToken } = await import('../../../lambdas/messaging/allocate-channels');
  const { releaseMessagingChannels } = await import('../../../lambdas/messaging/release-channels');
  const { expireMessagingHistory } = await import('../../../lambdas/messaging/expire-history');
  const channels = await import('../../../lambdas/repositories/messaging-channels');
  const pool = await import('../../../lambdas/repositories/whatsapp-number-pool');
  const messages = await import('../../../lambdas/repositories/messages');
  const { dynamodb } = await import('../../../lambdas/clients/dynamodb');
  return { allocateMessagingChannels, phoneNumberClientToken, releaseMessagingChannels, expireMessagingHistory, channels, pool, messages, dynamodb };
}
type Loaded = Awaited<ReturnType<typeof load>>;
let m: Loaded;

const newCustomer = (plan = 'business', status = 'active') => {
  const id = `c${randomUUID().replace(/-/g, '')}`;
  plans.set(id, { plan, status });
  return id;
};

beforeAll(async () => {
  process.env.MESSAGING_SMS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:sms';
  m = await load();
});

beforeEach(() => {
  sms.reset();
  // One number per ClientToken, as the service does.
  const byToken = new Map<string, { PhoneNumber: string; PhoneNumberId: string }>();
  sms.on(RequestPhoneNumberCommand).callsFake(async (input: { ClientToken: string }) => {
    if (!byToken.has(input.ClientToken)) {
      numbers += 1;
      byToken.set(input.ClientToken, { PhoneNumber: `+1800${String(Date.now() % 1e4).padStart(4, '0')}${String(numbers).padStart(3, '0')}`, PhoneNumberId: `phone-${randomUUID()}` });
    }
    return byToken.get(input.ClientToken);
  });
  sms.on(UpdatePhoneNumberCommand).resolves({});
  sms.on(ReleasePhoneNumberCommand).resolves({});
});

jest.setTimeout(60_000);

async function addPoolNumber(): Promise<string> {
  const number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  await m.pool.addToWhatsAppPool({ number, phoneNumberId: `phone-number-id-${randomUUID()}` });
  return number;
}

async function isFree(number: string): Promise<boolean> {
  const { Item } = await m.dynamodb.send(new GetCommand({ TableName: process.env.MESSAGING_TABLE_NAME, Key: { pk: 'POOL#whatsapp#FREE', sk: `NUMBER#${number}` } }));
  return Item !== undefined;
}

describe('allocation', () => {
  it('the burst: 20 allocations at once give one SMS number, one WhatsApp number and one widget key, all routed to the customer', async () => {
    await addPoolNumber();
    const customer = newCustomer();

    const results = await Promise.all(Array.from({ length: 20 }, () => m.allocateMessagingChannels(customer, 'attempt-1')));
    // Every allocation answered the same channels: no second key or number was routed on the side.
    expect(new Set(results.map((result) => JSON.stringify(result.allocated && result.channels)))).toHaveProperty('size', 1);

    const stored = await m.channels.getChannels(customer);
    expect(results.every((result) => result.allocated)).toBe(true);
    expect(new Set(sms.commandCalls(RequestPhoneNumberCommand).map((call) => call.args[0].input.ClientToken))).toEqual(new Set([m.phoneNumberClientToken(customer, 'attempt-1')]));
    expect(stored?.sms?.phoneNumberId).toMatch(/^phone-/);
    expect(await m.channels.customerOfAddress('sms', stored!.sms!.number)).toBe(customer);
    expect(await m.channels.customerOfAddress('whatsapp', stored!.whatsapp!.number)).toBe(customer);
    expect(await m.channels.customerOfAddress('widget', stored!.widget!.publicKey)).toBe(customer);
    expect(sms.commandCalls(RequestPhoneNumberCommand)[0]!.args[0].input.Tags).toEqual(expect.arrayContaining([{ Key: 'ManagedBy', Value: 'stackpro' }, { Key: 'Customer', Value: customer }]));
  });

  it('gives a starter customer nothing, and says why', async () => {
    const customer = newCustomer('starter');
    expect(await m.allocateMessagingChannels(customer, 'attempt-1')).toEqual({ allocated: false, why: 'the starter plan has no messaging' });
    expect(sms.commandCalls(RequestPhoneNumberCommand)).toHaveLength(0);
    expect(await m.channels.getChannels(customer)).toBeUndefined();
  });

  it('a ClientToken per customer and allocation: another allocation (after a release) is a new token', () => {
    expect(m.phoneNumberClientToken('c1', 'attempt-1')).not.toBe(m.phoneNumberClientToken('c1', 'attempt-2'));
    expect(m.phoneNumberClientToken('c1', 'attempt-1')).not.toBe(m.phoneNumberClientToken('c2', 'attempt-1'));
    expect(m.phoneNumberClientToken('c1', 'plan-x'.repeat(40)).length).toBeLessThanOrEqual(64);
  });
});

describe('release', () => {
  it('releases the number, returns the WhatsApp number to the pool, revokes the widget key, and is idempotent', async () => {
    await addPoolNumber();
    const customer = newCustomer();
    await m.allocateMessagingChannels(customer, 'attempt-1');
    const channels = (await m.channels.getChannels(customer))!;

    const first = await m.releaseMessagingChannels(customer, 'deprovision', { now: new Date('2026-12-01T00:00:00Z'), retentionDays: 30 });
    const again = await m.releaseMessagingChannels(customer, 'deprovision');

    expect(first).toMatchObject({ released: true, what: ['SMS number', 'widget key', 'WhatsApp number'], historyExpiresAt: '2026-12-31T00:00:00.000Z' });
    expect(again).toMatchObject({ released: false });
    expect(sms.commandCalls(ReleasePhoneNumberCommand).map((call) => call.args[0].input.PhoneNumberId)).toEqual([channels.sms!.phoneNumberId]);
    expect(await isFree(channels.whatsapp!.number)).toBe(true);
    for (const [kind, address] of [['sms', channels.sms!.number], ['whatsapp', channels.whatsapp!.number], ['widget', channels.widget!.publicKey]] as const) {
      expect(await m.channels.customerOfAddress(kind, address)).toBeUndefined();
    }
    expect(await m.channels.getChannels(customer)).toBeUndefined();
  });

  it('the interrupted: a release that failed at the provider keeps what is left, and the retry finishes it', async () => {
    await addPoolNumber();
    const customer = newCustomer();
    await m.allocateMessagingChannels(customer, 'attempt-1');
    const channels = (await m.channels.getChannels(customer))!;
    sms.on(ReleasePhoneNumberCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await expect(m.releaseMessagingChannels(customer, 'rollback')).rejects.toThrow('slow down');
    // Unrouted already, but the record (what to release) and the WhatsApp claim are still there.
    expect(await m.channels.customerOfAddress('sms', channels.sms!.number)).toBeUndefined();
    expect(await m.channels.getChannels(customer)).toEqual(channels);
    expect(await isFree(channels.whatsapp!.number)).toBe(false);

    expect(await m.releaseMessagingChannels(customer, 'rollback')).toMatchObject({ released: true });
    expect(await isFree(channels.whatsapp!.number)).toBe(true);
    expect(await m.channels.getChannels(customer)).toBeUndefined();
  });

  it('counts a number the provider no longer has as released', async () => {
    const customer = newCustomer();
    await m.allocateMessagingChannels(customer, 'attempt-1');
    sms.on(ReleasePhoneNumberCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    expect(await m.releaseMessagingChannels(customer, 'rollback')).toMatchObject({ released: true });
  });

  it('after a plan change, releases only when the new plan has no messaging', async () => {
    const customer = newCustomer();
    await m.allocateMessagingChannels(customer, 'attempt-1');
    expect(await m.releaseMessagingChannels(customer, 'plan')).toEqual({ released: false, why: 'the business plan keeps its messaging channels' });
    expect(await m.channels.getChannels(customer)).toBeDefined();
    plans.set(customer, { plan: 'starter', status: 'active' });
    expect(await m.releaseMessagingChannels(customer, 'plan')).toMatchObject({ released: true });
    expect(await m.channels.getChannels(customer)).toBeUndefined();
  });
});

describe('history after retention', () => {
  async function writeHistory(customer: string, contact: string) {
    const { conversationIdFor } = await import('../../../lambdas/messaging/model');
    const providerMessageId = randomUUID();
    const conversationId = conversationIdFor(customer, 'sms', contact);
    await m.messages.recordInbound(customer, { channel: 'sms', contact, providerMessageId, text: 'hi', sentAt: '2026-12-01T10:00:00.000Z', conversationId, messageId: `msg_${providerMessageId}` });
    return conversationId;
  }

  it('deletes a released customer\'s conversations and messages once due, keeps the other tenant\'s and a customer that has messaging again', async () => {
    const gone = newCustomer();
    const other = newCustomer();
    const back = newCustomer();
    for (const customer of [gone, other, back]) {
      await m.allocateMessagingChannels(customer, 'attempt-1');
      await writeHistory(customer, '+14255550100');
      await writeHistory(customer, '+14255550101');
    }
    const now = new Date('2030-01-01T00:00:00Z');
    plans.set(gone, { plan: 'business', status: 'cancelled' });
    await m.releaseMessagingChannels(gone, 'deprovision', { now: new Date('2029-11-01T00:00:00Z'), retentionDays: 30 });
    // Downgraded, then upgraded again before the retention ended: its channels are back, its history stays.
    plans.set(back, { plan: 'starter', status: 'active' });
    await m.releaseMessagingChannels(back, 'plan', { now: new Date('2029-11-01T00:00:00Z'), retentionDays: 30 });
    plans.set(back, { plan: 'business', status: 'active' });
    await m.allocateMessagingChannels(back, 'plan-2');

    // Not yet due: nothing happens.
    const { listConversations } = await import('../../../lambdas/repositories/conversations');
    await m.expireMessagingHistory(new Date('2029-11-15T00:00:00Z'), () => true);
    expect((await listConversations(gone, {})).items).toHaveLength(2);

    const run = await m.expireMessagingHistory(now, () => true);
    const again = await m.expireMessagingHistory(now, () => true);

    expect((await listConversations(gone, {})).items).toEqual([]);
    expect((await listConversations(other, {})).items).toHaveLength(2);
    expect((await listConversations(back, {})).items).toHaveLength(2);
    expect(run.unfinished).toBe(false);
    expect(again).toMatchObject({ unfinished: false });
  });
});
