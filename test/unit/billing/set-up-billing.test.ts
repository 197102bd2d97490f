import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as setUpBillingStep } from '../../../lambdas/billing/set-up-billing';
import { handler as cancelSubscriptionStep } from '../../../lambdas/billing/cancel-subscription';
import { asTask } from '../provisioning/helpers';

const setUpBilling = asTask('Set up billing', setUpBillingStep);
const cancelSubscription = asTask('Roll back: cancel subscription', cancelSubscriptionStep);

const customersCreate = jest.fn();
const subscriptionsCreate = jest.fn();
const subscriptionsCancel = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({
    customers: { create: customersCreate },
    subscriptions: { create: subscriptionsCreate, cancel: subscriptionsCancel },
  }),
}));

const ddb = mockClient(DynamoDBDocumentClient);
const trialEndsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
const customer = (extra: Record<string, unknown> = {}) => ({
  Item: { customerId: 'cust-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', plan: 'business', trialEndsAt, ...extra },
});
const stripeSubscription = (status: string) => ({
  id: 'sub_1',
  customer: 'cus_1',
  status,
  trial_end: Math.floor(Date.parse(trialEndsAt) / 1000),
  cancel_at_period_end: false,
  items: { data: [{ current_period_end: Math.floor(Date.parse(trialEndsAt) / 1000) }] },
});
const ctx = { customerId: 'cust-1', executionName: 'acme-cust-1' };

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves(customer());
  ddb.on(UpdateCommand).resolves({});
  [customersCreate, subscriptionsCreate, subscriptionsCancel].forEach((fn) => fn.mockReset());
  customersCreate.mockResolvedValue({ id: 'cus_1' });
  subscriptionsCreate.mockResolvedValue(stripeSubscription('trialing'));
});

describe('Set up billing', () => {
  it('creates the Stripe customer and a trial subscription to the plan price, with idempotency keys', async () => {
    await expect(setUpBilling({ ...ctx, attempt: 1 })).resolves.toEqual({ stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' });
    expect(customersCreate).toHaveBeenCalledWith(
      { email: 'ada@example.com', name: 'Ada Lovelace', metadata: { customerId: 'cust-1' } },
      { idempotencyKey: 'stackpro-customer-cust-1' },
    );
    const [params, options] = subscriptionsCreate.mock.calls[0];
    expect(params).toMatchObject({
      customer: 'cus_1',
      items: [{ price: 'price_business_test' }],
      trial_end: Math.floor(Date.parse(trialEndsAt) / 1000),
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
      metadata: { customerId: 'cust-1' },
    });
    expect(options).toEqual({ idempotencyKey: 'stackpro-subscription-cust-1-1' });
    const saved = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(saved.ExpressionAttributeValues![':billing']).toMatchObject({ stripeCustomerId: 'cus_1', subscriptionId: 'sub_1', subscriptionStatus: 'trialing' });
    expect(saved.ConditionExpression).toContain('billing.observedAt <= :observedAt');
  });

  it('does nothing when a live subscription exists already', async () => {
    ddb.on(GetCommand).resolves(customer({ billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1', subscriptionStatus: 'trialing' } }));
    await expect(setUpBilling({ ...ctx, attempt: 1 })).resolves.toEqual({ stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' });
    expect(customersCreate).not.toHaveBeenCalled();
    expect(subscriptionsCreate).not.toHaveBeenCalled();
  });

  it('after a rollback cancelled it, subscribes again (new key) for the same Stripe customer', async () => {
    ddb.on(GetCommand).resolves(customer({ billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_0', subscriptionStatus: 'canceled' } }));
    await setUpBilling({ ...ctx, attempt: 2 });
    expect(customersCreate).not.toHaveBeenCalled();
    expect(subscriptionsCreate.mock.calls[0][1]).toEqual({ idempotencyKey: 'stackpro-subscription-cust-1-2' });
  });
});

describe('Roll back: cancel subscription', () => {
  it('cancels the live subscription', async () => {
    ddb.on(GetCommand).resolves(customer({ billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1', subscriptionStatus: 'trialing' } }));
    subscriptionsCancel.mockResolvedValue(stripeSubscription('canceled'));
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: true });
    expect(subscriptionsCancel).toHaveBeenCalledWith('sub_1');
  });

  it('tolerates no subscription, an already cancelled one, or one Stripe no longer knows', async () => {
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: false });
    ddb.on(GetCommand).resolves(customer({ billing: { subscriptionId: 'sub_1', subscriptionStatus: 'canceled' } }));
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: false });
    ddb.on(GetCommand).resolves(customer({ billing: { subscriptionId: 'sub_1', subscriptionStatus: 'trialing' } }));
    subscriptionsCancel.mockRejectedValue(Object.assign(new Error('No such subscription'), { code: 'resource_missing' }));
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: true });
    expect(subscriptionsCancel).toHaveBeenCalledTimes(1);
  });
});
