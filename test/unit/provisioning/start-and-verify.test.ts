import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as startStep } from '../../../lambdas/provisioning/start-provisioning';
import { asTask, ctx, mockTable } from './helpers';

const start = asTask('Start provisioning', startStep);

const table = mockTable();

beforeEach(() => {
  table.reset();
});

describe('Start provisioning', () => {
  it('hands later steps the plan, its instance type and the subdomain', async () => {
    table.ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-1', plan: 'enterprise', subdomain: 'acme.x', provisioningExecutionName: ctx.executionName } });
    await expect(start(ctx)).resolves.toEqual({ plan: 'enterprise', instanceType: 't3.medium', subdomain: 'acme.x' });
  });

  it('stops an execution that is no longer in charge of the customer', async () => {
    table.ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-1', plan: 'starter', subdomain: 'acme.x', provisioningExecutionName: 'newer-attempt' } });
    await expect(start(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('provisions nothing for a customer whose email is not verified, whoever started the execution', async () => {
    table.ddb.on(GetCommand).resolves({
      Item: { customerId: 'cust-1', plan: 'starter', subdomain: 'acme.x', status: 'pending_verification', provisioningExecutionName: ctx.executionName },
    });
    await expect(start(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('fails with CustomerNotFoundError when the signup was undone', async () => {
    await expect(start(ctx)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});
