import { handler as setUpBillingStep } from '../../../lambdas/billing/set-up-billing';
import { handler as cancelSubscriptionStep } from '../../../lambdas/billing/cancel-subscription';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as Billing from '../../../lambdas/repositories/billing';
import { asTask, recordStep, resetRecordedSteps } from '../provisioning/helpers';

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

// Storing the snapshot (only over an older one) is the billing repository's: test/unit/repositories/billing.test.ts.
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const saveBillingSnapshot = jest.fn<ReturnType<typeof Billing.saveBillingSnapshot>, Parameters<typeof Billing.saveBillingSnapshot>>();
jest.mock('../../../lambdas/repositories/billing', () => ({
  saveBillingSnapshot: (...args: Parameters<typeof Billing.saveBillingSnapshot>) => saveBillingSnapshot(...args),
}));
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));
const trialEndsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
const customer = (extra: Record<string, unknown> = {}) =>
  ({ customerId: 'cust-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', plan: 'business', trialEndsAt, ...extra }) as Customer;
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
  getCustomer.mockReset().mockResolvedValue(customer());
  saveBillingSnapshot.mockReset().mockResolvedValue(true);
  resetRecordedSteps();
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
    expect(saveBillingSnapshot).toHaveBeenCalledWith('cust-1', expect.objectContaining({ stripeCustomerId: 'cus_1', subscriptionId: 'sub_1', subscriptionStatus: 'trialing', observedAt: expect.any(Number) }));
  });

  it('does nothing when a live subscription exists already', async () => {
    getCustomer.mockResolvedValue(customer({ billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1', subscriptionStatus: 'trialing' } }));
    await expect(setUpBilling({ ...ctx, attempt: 1 })).resolves.toEqual({ stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' });
    expect(customersCreate).not.toHaveBeenCalled();
    expect(subscriptionsCreate).not.toHaveBeenCalled();
    expect(saveBillingSnapshot).not.toHaveBeenCalled();
  });

  it('after a rollback cancelled it, subscribes again (new key) for the same Stripe customer', async () => {
    getCustomer.mockResolvedValue(customer({ billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_0', subscriptionStatus: 'canceled' } }));
    await setUpBilling({ ...ctx, attempt: 2 });
    expect(customersCreate).not.toHaveBeenCalled();
    expect(subscriptionsCreate.mock.calls[0][1]).toEqual({ idempotencyKey: 'stackpro-subscription-cust-1-2' });
  });
});

describe('Roll back: cancel subscription', () => {
  it('cancels the live subscription', async () => {
    getCustomer.mockResolvedValue(customer({ billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1', subscriptionStatus: 'trialing' } }));
    subscriptionsCancel.mockResolvedValue(stripeSubscription('canceled'));
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: true });
    expect(subscriptionsCancel).toHaveBeenCalledWith('sub_1');
  });

  it('tolerates no subscription, an already cancelled one, or one Stripe no longer knows', async () => {
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: false });
    getCustomer.mockResolvedValue(customer({ billing: { subscriptionId: 'sub_1', subscriptionStatus: 'canceled' } }));
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: false });
    getCustomer.mockResolvedValue(customer({ billing: { subscriptionId: 'sub_1', subscriptionStatus: 'trialing' } }));
    subscriptionsCancel.mockRejectedValue(Object.assign(new Error('No such subscription'), { code: 'resource_missing' }));
    await expect(cancelSubscription(ctx)).resolves.toEqual({ cancelled: true });
    expect(subscriptionsCancel).toHaveBeenCalledTimes(1);
  });
});
