import { randomUUID } from 'node:crypto';
import { keys } from '../../../lambdas/repositories/keys';
import { completePlanChange, failPlanChange } from '../../../lambdas/repositories/plan-changes';
import { getItem, putItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
const pending = async (customerId: string) => {
  await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status: 'active', plan: 'business', pendingPlan: 'enterprise', planChange: { changeId: 'abc', from: 'business', to: 'enterprise' } });
};

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
