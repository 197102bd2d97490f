import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import type { BillingSnapshot } from '../../../lambdas/core/billing';
import { recordIgnoredDelivery, saveBillingSnapshot, transitionStatus } from '../../../lambdas/repositories/billing';
import { keys } from '../../../lambdas/repositories/keys';

/** Against DynamoDB Local (the repositories project): every test with a customer of its own. */
const TableName = () => config.tableName();
const get = async (key: { pk: string; sk: string }) => (await dynamodb.send(new GetCommand({ TableName: TableName(), Key: key }))).Item;

async function customer(status = 'active'): Promise<string> {
  const customerId = randomUUID();
  await dynamodb.send(new PutCommand({ TableName: TableName(), Item: { ...keys.customer(customerId), customerId, status } }));
  return customerId;
}

const snapshot = (observedAt: number, subscriptionStatus: string): BillingSnapshot => ({
  stripeCustomerId: 'cus_1',
  subscriptionId: 'sub_1',
  subscriptionStatus,
  trialEndsAt: null,
  currentPeriodEnd: null,
  cancelAtPeriodEnd: false,
  observedAt,
});

describe('saveBillingSnapshot', () => {
  it('keeps the newest observation whatever order they arrive in', async () => {
    const customerId = await customer();
    expect(await saveBillingSnapshot(customerId, snapshot(2_000, 'past_due'))).toBe(true);
    expect(await saveBillingSnapshot(customerId, snapshot(1_000, 'active'))).toBe(false);
    expect(await saveBillingSnapshot(customerId, snapshot(2_000, 'past_due'))).toBe(true);
    expect((await get(keys.customer(customerId)))?.billing).toEqual(snapshot(2_000, 'past_due'));
  });

  it('writes nothing for a customer that does not exist (an event about an account we never had)', async () => {
    const customerId = randomUUID();
    expect(await saveBillingSnapshot(customerId, snapshot(1_000, 'active'))).toBe(false);
    expect(await get(keys.customer(customerId))).toBeUndefined();
  });
});

describe('transitionStatus', () => {
  it('moves only from one of the given statuses', async () => {
    const customerId = await customer('cancelled');
    expect(await transitionStatus(customerId, ['active', 'past_due'], 'suspending')).toBe(false);
    expect(await get(keys.customer(customerId))).toMatchObject({ status: 'cancelled' });
    expect(await transitionStatus(customerId, ['cancelled'], 'active')).toBe(true);
    expect(await get(keys.customer(customerId))).toMatchObject({ status: 'active', statusChangedAt: expect.any(String) });
  });

  it('the burst: of 20 identical transitions at once, exactly one moves the account', async () => {
    const customerId = await customer('active');
    const moved = await Promise.all(Array.from({ length: 20 }, () => transitionStatus(customerId, ['active'], 'suspending')));
    expect(moved.filter(Boolean)).toHaveLength(1);
    expect(await get(keys.customer(customerId))).toMatchObject({ status: 'suspending' });
  });

  it('never creates a customer', async () => {
    const customerId = randomUUID();
    expect(await transitionStatus(customerId, ['active'], 'suspending')).toBe(false);
    expect(await get(keys.customer(customerId))).toBeUndefined();
  });
});

describe('recordIgnoredDelivery', () => {
  it('records the body hash with its reason and a 30-day TTL; the same body again is the same record', async () => {
    const hash = randomUUID().replaceAll('-', '');
    const now = 1_700_000_000_000;
    await recordIgnoredDelivery(hash, 'id_missing', now);
    await recordIgnoredDelivery(hash, 'id_missing', now);
    expect(await get(keys.ignoredStripeDelivery(hash))).toEqual({
      ...keys.ignoredStripeDelivery(hash),
      type: 'stripeIgnored',
      reason: 'id_missing',
      receivedAt: new Date(now).toISOString(),
      ttl: now / 1000 + 30 * 24 * 3600,
    });
  });
});
