import { randomUUID } from 'node:crypto';
import { keys } from '../../../lambdas/repositories/keys';
import { transitionWithHold } from '../../../lambdas/repositories/operator-holds';
import { BURST_TIMEOUT_MS, getItem, putItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
const HOLD = { at: '2030-01-01T00:00:00.000Z', by: 'arn:aws:iam::1:user/op' };

async function customer(status: string, fields: Record<string, unknown> = {}) {
  const customerId = randomUUID();
  await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status, ...fields });
  return { customerId, profile: () => getItem(keys.customer(customerId)) };
}

describe('transitionWithHold', () => {
  it('the burst: of 50 operators suspending at once, one moves the account and sets the hold', async () => {
    const { customerId, profile } = await customer('active');
    const results = await Promise.all(Array.from({ length: 50 }, () => transitionWithHold(customerId, ['active', 'past_due'], 'suspending', HOLD)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await profile()).toMatchObject({ status: 'suspending', operatorHold: HOLD, statusChangedAt: expect.any(String) });
  }, BURST_TIMEOUT_MS);

  it('removes the hold when moving without one (resume), and refuses a status not in `from` or no account, writing nothing', async () => {
    const held = await customer('suspended', { operatorHold: HOLD });
    expect(await transitionWithHold(held.customerId, ['suspended'], 'resuming', undefined)).toBe(true);
    expect(await held.profile()).not.toHaveProperty('operatorHold');

    const failed = await customer('failed');
    expect(await transitionWithHold(failed.customerId, ['active', 'past_due'], 'suspending', HOLD)).toBe(false);
    expect(await failed.profile()).toEqual({ ...keys.customer(failed.customerId), type: 'customer', customerId: failed.customerId, status: 'failed' });

    const missing = randomUUID();
    expect(await transitionWithHold(missing, ['active'], 'suspending', HOLD)).toBe(false);
    expect(await getItem(keys.customer(missing))).toBeUndefined();
  });
});
