import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type Stripe from 'stripe';
import { confirmPlanChange } from '../../../lambdas/billing/confirm-plan-change';
import type { Customer } from '../../../lambdas/core/customer';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const change = { changeId: 'abc123', from: 'business', to: 'enterprise', requestedAt: '2026-12-01T00:00:00Z', sentAt: '2026-12-01T00:00:01Z' };
const customer = { customerId: 'cust-1', plan: 'business', status: 'active', pendingPlan: 'enterprise', planChange: change } as unknown as Customer;
const onPrice = (price: string) => ({ id: 'sub_1', status: 'active', items: { data: [{ id: 'si_1', price: { id: price } }] } }) as unknown as Stripe.Subscription;

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  ddb.on(GetCommand).resolves({ Item: { ...customer } });
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
});

describe('confirmPlanChange (the webhook)', () => {
  it("starts the change's resize once Stripe has the pending plan's price, named for the change", async () => {
    expect(await confirmPlanChange(customer, onPrice('price_enterprise_test'))).toBe(true);
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.name).toBe('resize-enterprise-cust-1-abc123');
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', changeId: 'abc123', fromPlan: 'business', toPlan: 'enterprise' });
    expect(ddb.commandCalls(GetCommand)[0].args[0].input.ConsistentRead).toBe(true);
  });

  it('starts nothing for the current price, a price that is not the pending plan, or no pending change', async () => {
    expect(await confirmPlanChange(customer, onPrice('price_business_test'))).toBe(false);
    expect(await confirmPlanChange(customer, onPrice('price_starter_test'))).toBe(false);
    ddb.on(GetCommand).resolves({ Item: { ...customer, pendingPlan: undefined } });
    expect(await confirmPlanChange(customer, onPrice('price_enterprise_test'))).toBe(false);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('treats a redelivered event (the execution exists) as done', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await confirmPlanChange(customer, onPrice('price_enterprise_test'))).toBe(false);
  });
});
