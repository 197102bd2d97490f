import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../../../lambdas/core/customer';
import type * as AbandonedAccounts from '../../../lambdas/repositories/abandoned-accounts';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import { handler } from '../../../lambdas/scheduled/remove-abandoned-signups';
import { lambdaContext } from '../helpers/events';

// The sparse-index Query and the one all-or-nothing removal (an email or subdomain taken over is kept, a
// verification that lands first wins) are the repository's: test/unit/repositories/abandoned-accounts.test.ts.
const findAbandonedAccounts = jest.fn<ReturnType<typeof AbandonedAccounts.findAbandonedAccounts>, Parameters<typeof AbandonedAccounts.findAbandonedAccounts>>();
const removeAbandonedAccount = jest.fn<ReturnType<typeof AbandonedAccounts.removeAbandonedAccount>, Parameters<typeof AbandonedAccounts.removeAbandonedAccount>>();
jest.mock('../../../lambdas/repositories/abandoned-accounts', () => ({
  findAbandonedAccounts: (...args: Parameters<typeof AbandonedAccounts.findAbandonedAccounts>) => findAbandonedAccounts(...args),
  removeAbandonedAccount: (...args: Parameters<typeof AbandonedAccounts.removeAbandonedAccount>) => removeAbandonedAccount(...args),
}));
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));

const RUN_AT = Date.parse('2026-12-09T10:00:00.000Z');
const abandoned = {
  customerId: 'cust-old',
  email: 'old@example.com',
  status: 'pending_verification',
  subdomain: 'old-co.customers.stackpro.test',
  pendingExpiresAt: RUN_AT - 1_000,
} as Customer;

const run = (time: string) => handler({ time } as never, lambdaContext);

beforeEach(() => {
  findAbandonedAccounts.mockReset().mockResolvedValue({ customerIds: ['cust-old'], nextKey: undefined });
  removeAbandonedAccount.mockReset().mockResolvedValue(true);
  getCustomer.mockReset().mockResolvedValue(abandoned);
});

describe('RemoveAbandonedSignups (scheduled)', () => {
  it("finds accounts abandoned by the event's time and removes each, as read again consistently", async () => {
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 1, skipped: 0 });
    expect(findAbandonedAccounts).toHaveBeenCalledWith(RUN_AT, expect.any(Number), undefined);
    expect(getCustomer).toHaveBeenCalledWith('cust-old', { consistent: true });
    expect(removeAbandonedAccount).toHaveBeenCalledWith(abandoned, RUN_AT);
  });

  it('follows the pages of the index', async () => {
    findAbandonedAccounts
      .mockResolvedValueOnce({ customerIds: ['cust-old'], nextKey: { pk: 'CUSTOMER#cust-old' } })
      .mockResolvedValueOnce({ customerIds: ['cust-older'], nextKey: undefined });
    getCustomer.mockImplementation(async (customerId) => ({ ...abandoned, customerId }));
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 2, skipped: 0 });
    expect(findAbandonedAccounts.mock.calls[1][2]).toEqual({ pk: 'CUSTOMER#cust-old' });
    expect(removeAbandonedAccount.mock.calls.map(([customer]) => customer.customerId)).toEqual(['cust-old', 'cust-older']);
  });

  it.each([
    ['verified since the index was written (the index is eventually consistent)', { ...abandoned, status: 'provisioning' } as Customer],
    ['not expired after all', { ...abandoned, pendingExpiresAt: RUN_AT + 1 }],
    ['gone', undefined],
  ])('skips an account %s, removing nothing', async (_label, customer) => {
    getCustomer.mockResolvedValue(customer);
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 0, skipped: 1 });
    expect(removeAbandonedAccount).not.toHaveBeenCalled();
  });

  it('leaves for the next run an account that changed between the read and the delete', async () => {
    removeAbandonedAccount.mockRejectedValue(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
    );
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 0, skipped: 1 });
  });

  it('fails the run on an unexpected error (the schedule retries), instead of counting it skipped', async () => {
    removeAbandonedAccount.mockRejectedValue(new Error('throttled'));
    await expect(run('2026-12-09T10:00:00.000Z')).rejects.toThrow('throttled');
  });

  it('refuses an event without a valid time instead of guessing one', async () => {
    await expect(handler({ time: 'yesterday' } as never, lambdaContext)).rejects.toThrow();
    expect(findAbandonedAccounts).not.toHaveBeenCalled();
  });
});
