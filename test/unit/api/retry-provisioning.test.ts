import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/retry-provisioning';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as CustomerLifecycle from '../../../lambdas/repositories/customer-lifecycle';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// The conditional status change (one of many concurrent retries wins; a stale execution cannot touch the
// account) is the repository's: test/unit/repositories/customer-lifecycle.test.ts.
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const startProvisioningAttempt = jest.fn<ReturnType<typeof CustomerLifecycle.startProvisioningAttempt>, Parameters<typeof CustomerLifecycle.startProvisioningAttempt>>();
const setProvisioningOutcome = jest.fn<ReturnType<typeof CustomerLifecycle.setProvisioningOutcome>, Parameters<typeof CustomerLifecycle.setProvisioningOutcome>>();
jest.mock('../../../lambdas/repositories/customer-lifecycle', () => ({
  startProvisioningAttempt: (...args: Parameters<typeof CustomerLifecycle.startProvisioningAttempt>) => startProvisioningAttempt(...args),
  setProvisioningOutcome: (...args: Parameters<typeof CustomerLifecycle.setProvisioningOutcome>) => setProvisioningOutcome(...args),
}));
const sfn = mockClient(SFNClient);
const failed = {
  customerId: 'cust-1',
  status: 'failed',
  subdomain: 'acme.customers.stackpro.test',
  provisioningExecutionName: 'acme-cust-1',
  provisioningAttempt: 1,
  failureReason: 'InstanceCapacityError: no capacity',
} as Customer;
const retry = (customerId = 'cust-1') =>
  handler(apiEvent({ path: `/admin/customers/${customerId}/provisioning/retry`, pathParameters: { customerId } }), lambdaContext);

beforeEach(() => {
  sfn.reset();
  getCustomer.mockReset().mockResolvedValue(failed);
  startProvisioningAttempt.mockReset().mockResolvedValue(true);
  setProvisioningOutcome.mockReset().mockResolvedValue(true);
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

describe('POST /admin/customers/{id}/provisioning/retry', () => {
  it('starts attempt 2 under a new execution name, only if the customer is still failed', async () => {
    const res = await retry();
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toEqual({ customerId: 'cust-1', status: 'provisioning', attempt: 2, executionName: 'acme-cust-1-attempt-2' });
    expect(getCustomer).toHaveBeenCalledWith('cust-1');
    expect(startProvisioningAttempt).toHaveBeenCalledWith('cust-1', 2, 'acme-cust-1-attempt-2');
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.name).toBe('acme-cust-1-attempt-2');
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', attempt: 2 });
    expect(setProvisioningOutcome).not.toHaveBeenCalled();
  });

  it.each(['provisioning', 'active'])('answers 409 INVALID_STATE for a %s customer', async (status) => {
    getCustomer.mockResolvedValue({ ...failed, status } as Customer);
    const res = await retry();
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    expect(startProvisioningAttempt).not.toHaveBeenCalled();
    expect(sfn.calls()).toHaveLength(0);
  });

  it('starts no execution when another operator\'s retry changed the status first (409)', async () => {
    startProvisioningAttempt.mockResolvedValue(false);
    const res = await retry();
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('puts the customer back to failed and answers 503 when the execution cannot start', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('x'), { name: 'ServiceUnavailable' }));
    const res = await retry();
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).error.code).toBe('SERVICE_UNAVAILABLE');
    // As the execution that was to run: only it may put the account back, keeping the earlier reason.
    expect(setProvisioningOutcome).toHaveBeenCalledWith('cust-1', 'acme-cust-1-attempt-2', 'failed', 'InstanceCapacityError: no capacity');
  });

  it('answers 404 for an unknown customer', async () => {
    getCustomer.mockResolvedValue(undefined);
    const res = await retry('ghost');
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('NOT_FOUND');
    expect(startProvisioningAttempt).not.toHaveBeenCalled();
  });

  // Found by the fuzz suite: a 4,000-character id made DynamoDB refuse the key (over 2,048 bytes), a 500.
  it.each([['too long for a key', 'a'.repeat(4_000)], ['not an id', 'a b'], ['empty', '']])('answers 404 for an id that cannot be one (%s) without reading the table', async (_label, customerId) => {
    const res = await retry(customerId);
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('NOT_FOUND');
    expect(getCustomer).not.toHaveBeenCalled();
  });
});
