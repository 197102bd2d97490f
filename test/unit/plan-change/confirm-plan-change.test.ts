import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type Stripe from 'stripe';
import { confirmPlanChange } from '../../../lambdas/billing/confirm-plan-change';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';

// The account as the repository reads it now (the webhook's copy may be older): what decides the resize.
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const sfn = mockClient(SFNClient);

const change = { changeId: 'abc123', from: 'business', to: 'enterprise', requestedAt: '2026-12-01T00:00:00Z', sentAt: '2026-12-01T00:00:01Z' };
const customer = { customerId: 'cust-1', plan: 'business', status: 'active', pendingPlan: 'enterprise', planChange: change } as unknown as Customer;
const onPrice = (price: string) => ({ id: 'sub_1', status: 'active', items: { data: [{ id: 'si_1', price: { id: price } }] } }) as unknown as Stripe.Subscription;

beforeEach(() => {
  sfn.reset();
  getCustomer.mockReset().mockResolvedValue({ ...customer });
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
});

describe('confirmPlanChange (the webhook)', () => {
  it("starts the change's resize once Stripe has the pending plan's price, named for the change", async () => {
    expect(await confirmPlanChange(customer, onPrice('price_enterprise_test'))).toBe(true);
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.name).toBe('resize-enterprise-cust-1-abc123');
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', changeId: 'abc123', fromPlan: 'business', toPlan: 'enterprise' });
    expect(getCustomer).toHaveBeenCalledWith('cust-1', { consistent: true });
  });

  it('starts nothing for the current price, a price that is not the pending plan, or no pending change', async () => {
    expect(await confirmPlanChange(customer, onPrice('price_business_test'))).toBe(false);
    expect(await confirmPlanChange(customer, onPrice('price_starter_test'))).toBe(false);
    getCustomer.mockResolvedValue({ ...customer, pendingPlan: undefined });
    expect(await confirmPlanChange(customer, onPrice('price_enterprise_test'))).toBe(false);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('treats a redelivered event (the execution exists) as done', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await confirmPlanChange(customer, onPrice('price_enterprise_test'))).toBe(false);
  });
});
