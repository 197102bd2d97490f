import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { sendCustomerEmail } from '../../../lambdas/notifications/customer-email';
import type * as SentNotices from '../../../lambdas/notifications/sent-notices';

/**
 * The notice records (notifications/sent-notices.ts) in memory, keeping what is claimed and sent under the same
 * rule as the conditional put (absent, or a `sending` claim older than 5 minutes), which
 * test/unit/repositories/sent-notices.test.ts proves on DynamoDB Local; the record's key and fields are its too.
 */
type Notice = { state: 'sending' | 'sent'; claimedAt: number; messageId?: string };
const notices = new Map<string, Notice>();
const noticeId = (customerId: string, kind: string, dedupeKey: string) => `${customerId}/${kind}/${dedupeKey}`;
const STALE_MS = 5 * 60_000;
jest.mock('../../../lambdas/notifications/sent-notices', () => ({
  claimNotice: async (...[customerId, kind, dedupeKey, now = Date.now()]: Parameters<typeof SentNotices.claimNotice>) => {
    const held = notices.get(noticeId(customerId, kind, dedupeKey));
    if (held && !(held.state === 'sending' && held.claimedAt < now - STALE_MS)) return false;
    notices.set(noticeId(customerId, kind, dedupeKey), { state: 'sending', claimedAt: now });
    return true;
  },
  markNoticeSent: async (...[customerId, kind, dedupeKey, messageId]: Parameters<typeof SentNotices.markNoticeSent>) => {
    const notice = notices.get(noticeId(customerId, kind, dedupeKey))!;
    notices.set(noticeId(customerId, kind, dedupeKey), { ...notice, state: 'sent', ...(messageId ? { messageId } : {}) });
  },
  releaseNotice: async (...[customerId, kind, dedupeKey]: Parameters<typeof SentNotices.releaseNotice>) => {
    notices.delete(noticeId(customerId, kind, dedupeKey));
  },
}));
const ses = mockClient(SESv2Client);

const customer = {
  customerId: 'cust-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  company: 'Acme',
  subdomain: 'acme.customers.stackpro.test',
  trialEndsAt: '2030-01-08T00:00:00.000Z',
};
/** The notice's record as SES was called: it must be claimed (`sending`) before the email goes out. */
let heldWhileSending: (Notice | undefined)[];

beforeEach(() => {
  ses.reset();
  notices.clear();
  heldWhileSending = [];
  ses.on(SendEmailCommand).callsFake(() => {
    heldWhileSending.push(...notices.values());
    return { MessageId: 'm-1' };
  });
});

describe('sendCustomerEmail', () => {
  it('claims the notice, sends it, then records it as sent', async () => {
    await expect(sendCustomerEmail(customer, 'payment_failed', { dedupeKey: 'in_123', graceEndsAt: '2030-01-15T00:00:00Z' })).resolves.toEqual({
      sent: true,
      dedupeKey: 'in_123',
    });

    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.FromEmailAddress).toBe('welcome@stackpro.test');
    expect(email.Destination).toEqual({ ToAddresses: ['ada@example.com'] });
    expect(email.Content?.Simple?.Subject?.Data).toBe('Action needed: your StackPro payment failed');
    expect(email.Content?.Simple?.Body?.Text?.Data).toContain('until 2030-01-15');
    expect(heldWhileSending).toEqual([expect.objectContaining({ state: 'sending' })]);
    expect([...notices.entries()]).toEqual([['cust-1/payment_failed/in_123', expect.objectContaining({ state: 'sent', messageId: 'm-1' })]]);
  });

  it('takes a plain string as the dedupe key (as the Stripe webhook passes it)', async () => {
    await sendCustomerEmail(customer, 'trial_ending', 'sub_1-1893456000');
    expect([...notices.keys()]).toEqual(['cust-1/trial_ending/sub_1-1893456000']);
  });

  it('emails at most once per customer and kind without a dedupe key', async () => {
    await expect(sendCustomerEmail(customer, 'cancelled')).resolves.toEqual({ sent: true, dedupeKey: 'once' });
    await expect(sendCustomerEmail(customer, 'cancelled')).resolves.toEqual({ sent: false, dedupeKey: 'once' });
    expect([...notices.keys()]).toEqual(['cust-1/cancelled/once']);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('sends nothing when the notice is sent or being sent already (duplicates, distinct events at once, retries)', async () => {
    notices.set('cust-1/suspended/exec-1', { state: 'sent', claimedAt: Date.now() - 3600_000, messageId: 'm-0' });
    notices.set('cust-1/suspended/exec-2', { state: 'sending', claimedAt: Date.now() });
    await expect(sendCustomerEmail(customer, 'suspended', 'exec-1')).resolves.toEqual({ sent: false, dedupeKey: 'exec-1' });
    await expect(sendCustomerEmail(customer, 'suspended', 'exec-2')).resolves.toEqual({ sent: false, dedupeKey: 'exec-2' });
    expect(ses.calls()).toHaveLength(0);
    expect(notices.get('cust-1/suspended/exec-1')).toMatchObject({ state: 'sent', messageId: 'm-0' });
  });

  it('sends exactly one email when several attempts race for the same notice', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => sendCustomerEmail(customer, 'trial_ending', 'sub_1-1')));
    expect(results.filter((r) => r.sent)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('gives the claim back when SES refuses, so a retry sends it', async () => {
    ses
      .on(SendEmailCommand)
      .rejectsOnce(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }))
      .resolves({ MessageId: 'm-2' });
    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).rejects.toMatchObject({ name: 'MessageRejected' });
    expect(notices.size).toBe(0);

    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).resolves.toEqual({ sent: true, dedupeKey: 'exec-1' });
    expect(notices.get('cust-1/resumed/exec-1')).toMatchObject({ state: 'sent', messageId: 'm-2' });
  });

  it('lets a claim abandoned by a crash be taken over after a few minutes, not before', async () => {
    notices.set('cust-1/resumed/exec-1', { state: 'sending', claimedAt: Date.now() - 4 * 60_000 });
    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).resolves.toMatchObject({ sent: false });

    notices.set('cust-1/resumed/exec-1', { state: 'sending', claimedAt: Date.now() - 6 * 60_000 });
    await expect(sendCustomerEmail(customer, 'resumed', 'exec-1')).resolves.toMatchObject({ sent: true });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(notices.get('cust-1/resumed/exec-1')).toMatchObject({ state: 'sent', messageId: 'm-1' });
  });
});
