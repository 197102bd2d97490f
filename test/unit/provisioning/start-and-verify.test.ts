import type { Customer } from '../../../lambdas/core/customer';
import { handler as startStep } from '../../../lambdas/provisioning/start-provisioning';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import { asTask, ctx, recordStep, recordedSteps, resetRecordedSteps } from './helpers';

const start = asTask('Start provisioning', startStep);

const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));

const customer = (fields: Partial<Customer>) => ({ customerId: 'cust-1', plan: 'starter', subdomain: 'acme.x', provisioningExecutionName: ctx.executionName, ...fields }) as Customer;

beforeEach(() => {
  getCustomer.mockReset().mockResolvedValue(undefined);
  resetRecordedSteps();
});

describe('Start provisioning', () => {
  it('hands later steps the plan, its instance type and the subdomain', async () => {
    getCustomer.mockResolvedValue(customer({ plan: 'enterprise' }));
    await expect(start(ctx)).resolves.toEqual({ plan: 'enterprise', instanceType: 't3.medium', subdomain: 'acme.x' });
    expect(getCustomer).toHaveBeenCalledWith('cust-1');
    expect(recordedSteps()).toEqual([['Start provisioning', 'succeeded', 'Provisioning enterprise plan on t3.medium for acme.x']]);
  });

  it('stops an execution that is no longer in charge of the customer', async () => {
    getCustomer.mockResolvedValue(customer({ provisioningExecutionName: 'newer-attempt' }));
    await expect(start(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('provisions nothing for a customer whose email is not verified, whoever started the execution', async () => {
    getCustomer.mockResolvedValue(customer({ status: 'pending_verification' }));
    await expect(start(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('fails with CustomerNotFoundError when the signup was undone', async () => {
    await expect(start(ctx)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});
