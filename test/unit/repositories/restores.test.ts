import { randomUUID } from 'node:crypto';
import { keys } from '../../../lambdas/repositories/keys';
import { claimRestore, endRestore, getRestore, releaseRestore, updateRestore } from '../../../lambdas/repositories/restores';
import { BURST_TIMEOUT_MS, getItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
const claim = (customerId: string) =>
  claimRestore(customerId, { executionName: `exec-${customerId}`, recoveryPointId: 'snap-0123456789abcdef0', requestedAt: '2030-01-01T00:00:00.000Z' }, '2029-12-31T00:00:00.000Z');

describe('restores', () => {
  it("updateRestore sets only the given fields in the customer's RESTORE item, and only while a restore exists", async () => {
    const customerId = randomUUID();
    await expect(updateRestore(customerId, { restoredVolumeId: 'vol-0new' })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await getItem(keys.restore(customerId))).toBeUndefined();

    expect(await claim(customerId)).toBe(true);
    await updateRestore(customerId, { instanceId: 'i-1', device: '/dev/xvda', previousVolumeId: 'vol-0old', restoreJobId: undefined });
    await updateRestore(customerId, { restoreJobId: 'job-1' });

    expect(await getItem({ pk: `CUSTOMER#${customerId}`, sk: 'RESTORE' })).toMatchObject({ type: 'restore', state: 'running', instanceId: 'i-1', device: '/dev/xvda', previousVolumeId: 'vol-0old', restoreJobId: 'job-1' });
  });

  it('endRestore adds the replaced volume to formerVolumeIds once, and keeps a reason only for the end that gives one', async () => {
    const customerId = randomUUID();
    expect(await claim(customerId)).toBe(true);

    await endRestore(customerId, 'rolled_back', { reason: 'undone' });
    expect(await getRestore(customerId)).toMatchObject({ state: 'rolled_back', reason: 'undone', formerVolumeIds: [] });

    await endRestore(customerId, 'restored', { formerVolumeId: 'vol-0old' });
    await endRestore(customerId, 'restored', { formerVolumeId: 'vol-0old' });
    const ended = await getRestore(customerId);
    expect(ended).toMatchObject({ state: 'restored', formerVolumeIds: ['vol-0old'], endedAt: expect.any(String) });
    expect(ended).not.toHaveProperty('reason');

    // A later restore keeps the history and appends to it.
    expect(await claim(customerId)).toBe(true);
    await endRestore(customerId, 'restored', { formerVolumeId: 'vol-0new' });
    expect((await getRestore(customerId))?.formerVolumeIds).toEqual(['vol-0old', 'vol-0new']);
  });

  it("endRestore of a customer with no restore writes nothing (another customer's item is untouched)", async () => {
    const mine = randomUUID();
    const theirs = randomUUID();
    expect(await claim(theirs)).toBe(true);
    await expect(endRestore(mine, 'restored', { formerVolumeId: 'vol-0x' })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await getItem(keys.restore(mine))).toBeUndefined();
    expect(await getRestore(theirs)).toMatchObject({ state: 'running' });
  });

  it('the burst: of 50 claims at once (distinct executions), exactly one holds the restore; getRestore reads it without its keys', async () => {
    const customerId = randomUUID();
    const wins = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        claimRestore(customerId, { executionName: `exec-${i}`, recoveryPointId: 'snap-0123456789abcdef0', requestedAt: '2030-01-01T00:00:00.000Z' }, '2029-12-31T00:00:00.000Z'),
      ),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await getRestore(customerId)).toEqual({
      executionName: `exec-${wins.indexOf(true)}`,
      recoveryPointId: 'snap-0123456789abcdef0',
      requestedAt: '2030-01-01T00:00:00.000Z',
      state: 'running',
    });
  }, BURST_TIMEOUT_MS);

  it('claimRestore takes over a stale running claim or an ended restore (keeping its volume history), never a live one', async () => {
    const customerId = randomUUID();
    expect(await claim(customerId)).toBe(true);
    await updateRestore(customerId, { previousVolumeId: 'vol-0old', restoredVolumeId: 'vol-0new' });
    // Requested 2030-01-01: live for a claim whose stale bound is earlier, stale for one whose bound is later.
    const next = { executionName: 'exec-next', recoveryPointId: 'snap-0fffffffffffffff0', requestedAt: '2030-01-02T00:00:00.000Z' };
    expect(await claimRestore(customerId, next, '2029-12-31T00:00:00.000Z')).toBe(false);
    expect(await claimRestore(customerId, next, '2030-01-01T12:00:00.000Z')).toBe(true);
    expect(await getRestore(customerId)).toEqual({ ...next, state: 'running' });

    await endRestore(customerId, 'restored', { formerVolumeId: 'vol-0a' });
    const after = { executionName: 'exec-after', recoveryPointId: 'snap-0123456789abcdef0', requestedAt: '2030-01-03T00:00:00.000Z' };
    expect(await claimRestore(customerId, after, '2029-12-31T00:00:00.000Z')).toBe(true);
    expect(await getRestore(customerId)).toEqual({ ...after, state: 'running', formerVolumeIds: ['vol-0a'] });
  });

  it("releaseRestore gives back only the named execution's running claim, so the next request can claim it", async () => {
    const customerId = randomUUID();
    expect(await claim(customerId)).toBe(true);
    await releaseRestore(customerId, 'exec-other');
    expect(await getRestore(customerId)).toMatchObject({ state: 'running' });

    await releaseRestore(customerId, `exec-${customerId}`);
    expect(await getRestore(customerId)).toMatchObject({ state: 'rolled_back', endedAt: expect.any(String) });
    await releaseRestore(customerId, `exec-${customerId}`);
    expect(await claimRestore(customerId, { executionName: 'exec-2', recoveryPointId: 'snap-0123456789abcdef0', requestedAt: '2030-01-01T00:00:00.000Z' }, '2029-12-31T00:00:00.000Z')).toBe(true);

    const nobody = randomUUID();
    await releaseRestore(nobody, 'exec-x');
    expect(await getItem(keys.restore(nobody))).toBeUndefined();
  });
});
