import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import type { FleetUpdate } from '../../../lambdas/core/fleet-updates';
import {
  addPendingCustomers,
  createFleetUpdate,
  finishCustomer,
  getFleetUpdate,
  listFleetUpdateCustomers,
  setFleetUpdate,
  setCustomerInFlight,
  startRollback,
} from '../../../lambdas/repositories/fleet-updates';
import { keys } from '../../../lambdas/repositories/keys';
import { PutCommand } from '@aws-sdk/lib-dynamodb';

/** Against DynamoDB Local (the repositories project): every test with an update of its own. */
function newUpdate(overrides: Partial<FleetUpdate> = {}): FleetUpdate {
  const updateId = `fu-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  return {
    updateId,
    version: '2026.12.0',
    target: { all: true },
    maxConcurrent: 2,
    maxFailures: 1,
    attempt: 1,
    status: 'running',
    executionName: `fleet-${updateId}`,
    requestedBy: 'arn:aws:iam::123456789012:user/ops',
    requestedAt: '2026-12-01T06:00:00.000Z',
    ...overrides,
  };
}

jest.setTimeout(30_000);

describe('fleet update records', () => {
  it('ends an update once when its own last step and the clean-up of a stop race: the first wins, the other changes nothing', async () => {
    const update = newUpdate();
    await createFleetUpdate(update);
    const [finished, stopped] = await Promise.all([
      setFleetUpdate(update.updateId, { status: 'completed', finishedAt: '2026-12-01T07:00:00.000Z' }, 'running'),
      setFleetUpdate(update.updateId, { status: 'stopped', finishedAt: '2026-12-01T07:00:01.000Z', failureReason: 'stopped' }, 'running'),
    ]);
    expect([finished, stopped].filter(Boolean)).toHaveLength(1);
    const stored = await getFleetUpdate(update.updateId);
    expect(stored?.status).toBe(finished ? 'completed' : 'stopped');
    expect(stored?.failureReason).toBe(finished ? undefined : 'stopped');
    // Without the guard a write still needs the update to exist.
    await expect(setFleetUpdate(newUpdate().updateId, { total: 1 })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('stores an update once: 50 identical creates at once answer one created and 49 finding it', async () => {
    const update = newUpdate();
    const results = await Promise.all(Array.from({ length: 50 }, () => createFleetUpdate(update)));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    for (const result of results) expect(result.update).toMatchObject({ updateId: update.updateId, status: 'running' });
  });

  it('counts each final result once, with the result line in the same transaction; a repeat changes nothing', async () => {
    const update = newUpdate();
    await createFleetUpdate(update);
    await addPendingCustomers(update, ['c1', 'c2', 'c3']);
    await setCustomerInFlight(update.updateId, 'c1', { result: 'updating', fromVersion: '2026.11.0', startedAt: '2026-12-01T06:01:00.000Z' });

    expect(await finishCustomer(update.updateId, 'c1', { result: 'failed', reason: 'Health check failed', finishedAt: '2026-12-01T06:02:00.000Z', rolledBack: true })).toBe(true);
    // A retried step (or a late duplicate) neither double-counts nor overwrites the final line.
    expect(await finishCustomer(update.updateId, 'c1', { result: 'updated', finishedAt: '2026-12-01T06:03:00.000Z' })).toBe(false);
    await expect(setCustomerInFlight(update.updateId, 'c1', { result: 'rolling_back' })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await finishCustomer(update.updateId, 'c2', { result: 'skipped', reason: 'Status is suspended', finishedAt: '2026-12-01T06:02:00.000Z' });

    expect(await getFleetUpdate(update.updateId)).toMatchObject({ failed: 1, skipped: 1 });
    expect(await listFleetUpdateCustomers(update.updateId)).toEqual([
      expect.objectContaining({ customerId: 'c1', result: 'failed', fromVersion: '2026.11.0', toVersion: '2026.12.0', reason: 'Health check failed', rolledBack: true }),
      expect.objectContaining({ customerId: 'c2', result: 'skipped' }),
      expect.objectContaining({ customerId: 'c3', result: 'pending' }),
    ]);
  });

  it('records the new version on the customer profile with an updated result, and never creates a profile', async () => {
    const update = newUpdate();
    const customerId = randomUUID();
    await dynamodb.send(new PutCommand({ TableName: config.tableName(), Item: { ...keys.customer(customerId), customerId, appVersion: '2026.11.0' } }));
    await createFleetUpdate(update);
    await addPendingCustomers(update, [customerId, 'gone']);

    await finishCustomer(update.updateId, customerId, { result: 'updated', finishedAt: '2026-12-01T06:02:00.000Z' }, '2026.12.0');
    const { Item } = await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: keys.customer(customerId) }));
    expect(Item).toMatchObject({ appVersion: '2026.12.0' });
    // A customer deleted meanwhile: the whole transaction is refused rather than a stray profile written.
    await expect(finishCustomer(update.updateId, 'gone', { result: 'updated', finishedAt: '2026-12-01T06:02:00.000Z' }, '2026.12.0')).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await getFleetUpdate(update.updateId)).toMatchObject({ updated: 1 });
  });

  it('counts a failing customer against the budget once, as its rollback starts', async () => {
    const update = newUpdate();
    await createFleetUpdate(update);
    await addPendingCustomers(update, ['c1']);
    await setCustomerInFlight(update.updateId, 'c1', { result: 'updating', fromVersion: '2026.11.0' });

    expect(await startRollback(update.updateId, 'c1', 'Health check failed')).toBe(true);
    expect(await startRollback(update.updateId, 'c1', 'Health check failed')).toBe(false);
    expect(await getFleetUpdate(update.updateId)).toMatchObject({ failing: 1 });
    await finishCustomer(update.updateId, 'c1', { result: 'failed', finishedAt: '2026-12-01T06:02:00.000Z', rolledBack: true });
    expect(await getFleetUpdate(update.updateId)).toMatchObject({ failing: 1, failed: 1 });
  });
});
