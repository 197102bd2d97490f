import { randomUUID } from 'node:crypto';
import { keys } from '../../../lambdas/repositories/keys';
import type { PlanChange } from '../../../lambdas/core/customer';
import { claimPlanChange, completePlanChange, failPlanChange, markPlanChangeSent, releasePlanChange } from '../../../lambdas/repositories/plan-changes';
import { BURST_TIMEOUT_MS, getItem, putItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
const pending = async (customerId: string) => {
  await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status: 'active', plan: 'business', pendingPlan: 'enterprise', planChange: { changeId: 'abc', from: 'business', to: 'enterprise' } });
};

const active = async (customerId: string, extra: Record<string, unknown> = {}) => {
  await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status: 'active', plan: 'business', ...extra });
};
const change = (changeId: string, to: PlanChange['to'] = 'enterprise'): PlanChange => ({ changeId, from: 'business', to, requestedAt: '2030-01-01T00:00:00.000Z' });

describe('claimPlanChange', () => {
  it('the burst: of 50 claims at once (distinct changes), exactly one is put in charge of the account', async () => {
    const customerId = randomUUID();
    await active(customerId);

    const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => claimPlanChange(customerId, change(`c${i}`, i % 2 ? 'enterprise' : 'starter'))));

    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims.indexOf(true);
    expect(await getItem(keys.customer(customerId))).toMatchObject({ plan: 'business', pendingPlan: change(`c${winner}`, winner % 2 ? 'enterprise' : 'starter').to, planChange: { changeId: `c${winner}` } });
  }, BURST_TIMEOUT_MS);

  it('claims only an active account on the change\'s `from` plan, and never creates a profile', async () => {
    const suspended = randomUUID();
    await active(suspended, { status: 'suspended' });
    const onEnterprise = randomUUID();
    await active(onEnterprise, { plan: 'enterprise' });
    const nobody = randomUUID();

    expect(await claimPlanChange(suspended, change('a'))).toBe(false);
    expect(await claimPlanChange(onEnterprise, change('b'))).toBe(false);
    expect(await claimPlanChange(nobody, change('c'))).toBe(false);
    expect(await getItem(keys.customer(suspended))).not.toHaveProperty('pendingPlan');
    expect(await getItem(keys.customer(onEnterprise))).not.toHaveProperty('pendingPlan');
    expect(await getItem(keys.customer(nobody))).toBeUndefined();
  });
});

describe('markPlanChangeSent and releasePlanChange', () => {
  it('mark only the change in charge as sent', async () => {
    const customerId = randomUUID();
    await active(customerId);
    await claimPlanChange(customerId, change('abc'));

    expect(await markPlanChangeSent(customerId, 'older', '2030-01-01T00:00:01.000Z')).toBe(false);
    expect(await markPlanChangeSent(customerId, 'abc', '2030-01-01T00:00:02.000Z')).toBe(true);
    expect(await getItem(keys.customer(customerId))).toMatchObject({ pendingPlan: 'enterprise', planChange: { ...change('abc'), sentAt: '2030-01-01T00:00:02.000Z' } });
  });

  it('release only the change in charge, leaving the account as it was so another change can be claimed', async () => {
    const customerId = randomUUID();
    await active(customerId);
    await claimPlanChange(customerId, change('abc'));

    expect(await releasePlanChange(customerId, 'older')).toBe(false);
    expect(await releasePlanChange(customerId, 'abc')).toBe(true);
    expect(await releasePlanChange(customerId, 'abc')).toBe(false);
    const item = await getItem(keys.customer(customerId));
    expect(item).toMatchObject({ status: 'active', plan: 'business' });
    expect(item).not.toHaveProperty('pendingPlan');
    expect(item).not.toHaveProperty('planChange');
    expect(await markPlanChangeSent(customerId, 'abc', '2030-01-01T00:00:02.000Z')).toBe(false);
    expect(await claimPlanChange(customerId, change('def', 'starter'))).toBe(true);
  });

  it('neither creates a profile for a customer that has none', async () => {
    const customerId = randomUUID();
    expect(await markPlanChangeSent(customerId, 'abc', '2030-01-01T00:00:00.000Z')).toBe(false);
    expect(await releasePlanChange(customerId, 'abc')).toBe(false);
    expect(await getItem(keys.customer(customerId))).toBeUndefined();
  });
});

describe('plan changes', () => {
  it('completePlanChange moves the plan for this change only, once', async () => {
    const customerId = randomUUID();
    await pending(customerId);

    expect(await completePlanChange(customerId, 'older', '2030-01-01T00:00:00.000Z')).toBe(false);
    expect(await getItem(keys.customer(customerId))).toMatchObject({ plan: 'business', pendingPlan: 'enterprise' });

    expect(await completePlanChange(customerId, 'abc', '2030-01-01T00:00:00.000Z')).toBe(true);
    expect(await completePlanChange(customerId, 'abc', '2030-01-01T00:01:00.000Z')).toBe(false);
    const item = await getItem(keys.customer(customerId));
    expect(item).toMatchObject({ plan: 'enterprise', planChange: { changeId: 'abc', completedAt: '2030-01-01T00:00:00.000Z' } });
    expect(item).not.toHaveProperty('pendingPlan');
  });

  it('failPlanChange keeps the plan and the reason for this change only, and no longer pends it', async () => {
    const customerId = randomUUID();
    await pending(customerId);

    expect(await failPlanChange(customerId, 'older', 'nope')).toBe(false);
    expect(await failPlanChange(customerId, 'abc', 'The resize did not complete')).toBe(true);
    expect(await failPlanChange(customerId, 'abc', 'again')).toBe(false);
    const item = await getItem(keys.customer(customerId));
    expect(item).toMatchObject({ plan: 'business', planChange: { changeId: 'abc', failure: 'The resize did not complete' } });
    expect(item).not.toHaveProperty('pendingPlan');
  });

  it('neither creates a profile for a customer that has none', async () => {
    const customerId = randomUUID();
    expect(await completePlanChange(customerId, 'abc', '2030-01-01T00:00:00.000Z')).toBe(false);
    expect(await failPlanChange(customerId, 'abc', 'x')).toBe(false);
    expect(await getItem(keys.customer(customerId))).toBeUndefined();
  });
});
