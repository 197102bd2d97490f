import { randomUUID } from 'node:crypto';
import { claimNotice, markNoticeSent, noticeKey, releaseNotice } from '../../../lambdas/notifications/sent-notices';
import { BURST_TIMEOUT_MS, getItem } from './table';

/** The notice records (a data-access module of notifications/) against DynamoDB Local: every test with a customer of its own. */
const NOW = Date.now();
const MINUTE = 60_000;

describe('notice claims', () => {
  it("the burst: of 50 attempts to send one notice at once, exactly one may send it, recorded in the customer's partition", async () => {
    const customerId = randomUUID();
    const claims = await Promise.all(Array.from({ length: 50 }, () => claimNotice(customerId, 'suspended', 'exec-1', NOW)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(noticeKey(customerId, 'suspended', 'exec-1')).toEqual({ pk: `CUSTOMER#${customerId}`, sk: 'NOTICE#suspended#exec-1' });
    expect(await getItem(noticeKey(customerId, 'suspended', 'exec-1'))).toMatchObject({ state: 'sending', claimedAt: NOW, kind: 'suspended', dedupeKey: 'exec-1' });
  }, BURST_TIMEOUT_MS);

  it('never claims a sent notice again, however late; other keys and kinds are their own', async () => {
    const customerId = randomUUID();
    expect(await claimNotice(customerId, 'suspended', 'exec-1', NOW)).toBe(true);
    await markNoticeSent(customerId, 'suspended', 'exec-1', 'msg-1');
    expect(await getItem(noticeKey(customerId, 'suspended', 'exec-1'))).toMatchObject({ state: 'sent', messageId: 'msg-1', sentAt: expect.any(String) });

    expect(await claimNotice(customerId, 'suspended', 'exec-1', NOW + 24 * 60 * MINUTE)).toBe(false);
    expect(await claimNotice(customerId, 'suspended', 'exec-2', NOW)).toBe(true);
    expect(await claimNotice(customerId, 'resumed', 'exec-1', NOW)).toBe(true);
    expect(await claimNotice(randomUUID(), 'suspended', 'exec-1', NOW)).toBe(true);
  });

  it('the interrupted: a released claim (sending failed) and a crashed one (stale after 5 minutes) can be claimed again', async () => {
    const customerId = randomUUID();
    await claimNotice(customerId, 'cancelled', 'exec-1', NOW);
    await releaseNotice(customerId, 'cancelled', 'exec-1');
    expect(await getItem(noticeKey(customerId, 'cancelled', 'exec-1'))).toBeUndefined();
    expect(await claimNotice(customerId, 'cancelled', 'exec-1', NOW)).toBe(true);

    expect(await claimNotice(customerId, 'cancelled', 'exec-1', NOW + 4 * MINUTE)).toBe(false);
    expect(await claimNotice(customerId, 'cancelled', 'exec-1', NOW + 5 * MINUTE + 1)).toBe(true);
    expect(await getItem(noticeKey(customerId, 'cancelled', 'exec-1'))).toMatchObject({ claimedAt: NOW + 5 * MINUTE + 1 });
  });
});
