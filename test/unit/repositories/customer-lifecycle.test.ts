import { randomUUID } from 'node:crypto';
import type { CustomerStatus } from '../../../lambdas/core/customer';
import {
  applyLifecycleTransition,
  claimLifecycle,
  endCapacityWait,
  getLifecycleCustomer,
  markWelcomeEmailSent,
  setProvisioningOutcome,
  startCapacityWait,
  startProvisioningAttempt,
} from '../../../lambdas/repositories/customer-lifecycle';
import { keys } from '../../../lambdas/repositories/keys';
import { BURST_TIMEOUT_MS, getItem, putItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
async function customer(fields: Record<string, unknown> = {}) {
  const customerId = randomUUID();
  const execution = `provision-${customerId}-1`;
  await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status: 'provisioning', provisioningExecutionName: execution, ...fields });
  return { customerId, execution, profile: () => getItem(keys.customer(customerId)), infrastructure: () => getItem(keys.infrastructure(customerId)) };
}

describe('setProvisioningOutcome', () => {
  it('lets the execution in charge set active (clearing an old failure reason) or failed with its reason', async () => {
    const account = await customer({ failureReason: 'earlier' });
    expect(await setProvisioningOutcome(account.customerId, account.execution, 'active')).toBe(true);
    expect(await account.profile()).toMatchObject({ status: 'active', statusChangedAt: expect.any(String) });
    expect(await account.profile()).not.toHaveProperty('failureReason');

    expect(await setProvisioningOutcome(account.customerId, account.execution, 'failed', 'No capacity')).toBe(true);
    expect(await account.profile()).toMatchObject({ status: 'failed', failureReason: 'No capacity' });
  });

  it('refuses a stale execution and an account that does not exist, writing nothing', async () => {
    const account = await customer();
    expect(await setProvisioningOutcome(account.customerId, 'provision-stale', 'failed', 'late')).toBe(false);
    expect(await account.profile()).toMatchObject({ status: 'provisioning' });
    expect(await account.profile()).not.toHaveProperty('failureReason');

    const missing = randomUUID();
    expect(await setProvisioningOutcome(missing, 'provision-x', 'active')).toBe(false);
    expect(await getItem(keys.customer(missing))).toBeUndefined();
  });
});

describe('startProvisioningAttempt', () => {
  it('the burst: of 50 operator retries of a failed account at once, exactly one starts an attempt', async () => {
    const account = await customer({ status: 'failed', failureReason: 'No capacity' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => startProvisioningAttempt(account.customerId, 2, `provision-${account.customerId}-retry-${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `provision-${account.customerId}-retry-${results.indexOf(true)}`;
    expect(await account.profile()).toMatchObject({ status: 'provisioning', provisioningAttempt: 2, provisioningExecutionName: winner });
    expect(await account.profile()).not.toHaveProperty('failureReason');
    // The first execution is no longer in charge.
    expect(await setProvisioningOutcome(account.customerId, account.execution, 'active')).toBe(false);
  }, BURST_TIMEOUT_MS);

  it('refuses an account that is not failed, and one that does not exist', async () => {
    const account = await customer({ status: 'active' });
    expect(await startProvisioningAttempt(account.customerId, 2, 'provision-retry')).toBe(false);
    expect(await account.profile()).toMatchObject({ status: 'active', provisioningExecutionName: account.execution });
    const missing = randomUUID();
    expect(await startProvisioningAttempt(missing, 2, 'provision-retry')).toBe(false);
    expect(await getItem(keys.customer(missing))).toBeUndefined();
  });
});

describe('capacity wait', () => {
  it('starts the wait once (so it is counted once) and ends it again, for the execution in charge only', async () => {
    const account = await customer();
    expect(await startCapacityWait(account.customerId, 'provision-stale')).toBeUndefined();
    expect(await account.profile()).toMatchObject({ status: 'provisioning' });

    expect(await startCapacityWait(account.customerId, account.execution)).toEqual({ started: true });
    expect(await startCapacityWait(account.customerId, account.execution)).toEqual({ started: false });
    expect(await account.profile()).toMatchObject({ status: 'waiting_for_capacity' });

    await endCapacityWait(account.customerId, 'provision-stale');
    expect(await account.profile()).toMatchObject({ status: 'waiting_for_capacity' });
    await endCapacityWait(account.customerId, account.execution);
    expect(await account.profile()).toMatchObject({ status: 'provisioning' });
    // A no-op when not waiting (e.g. provisioning already failed).
    await setProvisioningOutcome(account.customerId, account.execution, 'failed', 'x');
    await endCapacityWait(account.customerId, account.execution);
    expect(await account.profile()).toMatchObject({ status: 'failed' });
    expect(await startCapacityWait(account.customerId, account.execution)).toBeUndefined();
  });
});

describe('markWelcomeEmailSent', () => {
  it('keeps the first time, so a retried step knows the email went out', async () => {
    const account = await customer();
    await markWelcomeEmailSent(account.customerId);
    const first = (await account.profile())?.welcomeEmailSentAt;
    expect(first).toEqual(expect.any(String));
    await markWelcomeEmailSent(account.customerId);
    expect((await account.profile())?.welcomeEmailSentAt).toBe(first);
  });

  it('never creates a profile for a customer that no longer exists', async () => {
    const customerId = randomUUID();
    await markWelcomeEmailSent(customerId);
    expect(await getItem(keys.customer(customerId))).toBeUndefined();
  });
});

describe('claimLifecycle', () => {
  const ALLOWED: CustomerStatus[] = ['active', 'past_due'];

  it('puts the execution in charge and answers the profile without its keys; a retried claim succeeds again', async () => {
    const account = await customer({ status: 'active' });
    const claim = await claimLifecycle(account.customerId, 'suspend-1', '2026-01-01T00:00:00.000Z', ALLOWED);
    expect(claim).toEqual({ outcome: 'claimed', customer: expect.objectContaining({ customerId: account.customerId, lifecycleExecutionName: 'suspend-1' }) });
    expect(claim.outcome === 'claimed' && claim.customer).not.toHaveProperty('pk');
    expect((await claimLifecycle(account.customerId, 'suspend-1', '2026-01-01T00:00:00.000Z', ALLOWED)).outcome).toBe('claimed');
  });

  it('the burst: of 50 executions claiming at once, in any order, the one started last is in charge', async () => {
    const account = await customer({ status: 'active' });
    const started = Array.from({ length: 50 }, (_, i) => ({ name: `exec-${i}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    const shuffled = [...started].sort(() => Math.random() - 0.5);
    const claims = await Promise.all(shuffled.map(({ name, at }) => claimLifecycle(account.customerId, name, at, ALLOWED)));

    expect(await account.profile()).toMatchObject({ lifecycleExecutionName: 'exec-49', lifecycleStartedAt: started[49].at });
    expect(claims.every((claim) => claim.outcome === 'claimed' || claim.outcome === 'superseded')).toBe(true);
    expect(claims[shuffled.findIndex(({ name }) => name === 'exec-49')].outcome).toBe('claimed');
    // An earlier execution now learns it was superseded.
    expect(await claimLifecycle(account.customerId, 'exec-0', started[0].at, ALLOWED)).toMatchObject({ outcome: 'superseded' });
  }, BURST_TIMEOUT_MS);

  it('answers wrong-status for a status the workflow may not act on, and missing for no account, writing nothing', async () => {
    const account = await customer({ status: 'cancelled' });
    expect(await claimLifecycle(account.customerId, 'resume-1', '2026-01-01T00:00:00.000Z', ALLOWED)).toMatchObject({ outcome: 'wrong-status' });
    expect(await account.profile()).not.toHaveProperty('lifecycleExecutionName');
    const missing = randomUUID();
    expect(await claimLifecycle(missing, 'resume-1', '2026-01-01T00:00:00.000Z', ALLOWED)).toEqual({ outcome: 'missing' });
    expect(await getItem(keys.customer(missing))).toBeUndefined();
    expect(await getLifecycleCustomer(missing)).toBeUndefined();
  });
});

describe('applyLifecycleTransition', () => {
  it('changes the status and the infrastructure together, removing what is asked and skipping undefined fields', async () => {
    const account = await customer({ status: 'suspending', lifecycleExecutionName: 'deprovision-1' });
    await putItem({ ...keys.infrastructure(account.customerId), type: 'infrastructure', instanceId: 'i-1', publicIp: '203.0.113.9' });

    const result = await applyLifecycleTransition({
      customerId: account.customerId,
      executionName: 'deprovision-1',
      to: 'cancelled',
      from: ['suspending', 'suspended'],
      profile: { cancelledAt: '2026-01-02T00:00:00.000Z' },
      infrastructure: { services: { website: 'deleted', crm: 'deleted', email: 'deleted' }, finalSnapshotId: 'snap-1', instanceId: undefined },
      infrastructureRemove: ['publicIp'],
    });

    expect(result).toEqual({ outcome: 'changed', at: expect.any(String) });
    const at = result.outcome === 'changed' ? result.at : '';
    expect(await account.profile()).toMatchObject({ status: 'cancelled', statusChangedAt: at, statusChangedBy: 'deprovision-1', cancelledAt: '2026-01-02T00:00:00.000Z' });
    expect(await account.infrastructure()).toEqual({
      ...keys.infrastructure(account.customerId),
      type: 'infrastructure',
      instanceId: 'i-1',
      services: { website: 'deleted', crm: 'deleted', email: 'deleted' },
      finalSnapshotId: 'snap-1',
      updatedAt: at,
    });
  });

  it('all or nothing: an execution not in charge, or a status not in `from`, changes neither item', async () => {
    const account = await customer({ status: 'active', lifecycleExecutionName: 'suspend-2' });
    await putItem({ ...keys.infrastructure(account.customerId), type: 'infrastructure', services: { website: 'running', crm: 'running', email: 'running' } });
    const stopped = { services: { website: 'suspended', crm: 'suspended', email: 'suspended' } };

    const notOwner = await applyLifecycleTransition({ customerId: account.customerId, executionName: 'suspend-1', to: 'suspended', infrastructure: stopped });
    const wrongFrom = await applyLifecycleTransition({ customerId: account.customerId, executionName: 'suspend-2', to: 'suspended', from: ['suspending'], infrastructure: stopped });

    for (const result of [notOwner, wrongFrom]) expect(result).toEqual({ outcome: 'unchanged', customer: expect.objectContaining({ status: 'active', lifecycleExecutionName: 'suspend-2' }) });
    expect(await account.profile()).not.toHaveProperty('statusChangedBy');
    expect((await account.infrastructure())?.services).toEqual({ website: 'running', crm: 'running', email: 'running' });
  });

  it('with requireOwner false, changes an account no execution owns; never creates a profile that does not exist', async () => {
    const account = await customer({ status: 'active' });
    const result = await applyLifecycleTransition({ customerId: account.customerId, executionName: 'recover-1', to: 'failed', requireOwner: false, infrastructure: {} });
    expect(result.outcome).toBe('changed');
    expect(await account.profile()).toMatchObject({ status: 'failed', statusChangedBy: 'recover-1' });

    const missing = randomUUID();
    expect(await applyLifecycleTransition({ customerId: missing, executionName: 'x', to: 'failed', requireOwner: false, infrastructure: {} })).toEqual({ outcome: 'unchanged', customer: undefined });
    expect(await getItem(keys.infrastructure(missing))).toBeUndefined();
  });
});
