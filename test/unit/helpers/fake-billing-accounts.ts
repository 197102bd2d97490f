import type { BillingSnapshot } from '../../../lambdas/core/billing';
import type { Customer, CustomerStatus } from '../../../lambdas/core/customer';

/** One write a webhook made through the repositories, in order. */
export type BillingWrite =
  | { readonly write: 'status'; readonly customerId: string; readonly from: readonly CustomerStatus[]; readonly to: CustomerStatus; readonly moved: boolean }
  | { readonly write: 'snapshot'; readonly customerId: string; readonly billing: BillingSnapshot; readonly saved: boolean }
  | { readonly write: 'ignored'; readonly bodyHash: string; readonly reason: string };

/**
 * The accounts and billing repositories (lambdas/repositories/accounts.ts, billing.ts) as the Stripe webhook
 * uses them, in memory: accounts by id that keep what is written, a status that moves only from one of
 * `from` and a snapshot kept only when newer, the conditions their DynamoDB Local tests prove
 * (test/unit/repositories/billing.test.ts). Handler tests mock those modules with it and assert the state an
 * account ends in and the writes made.
 */
export class FakeBillingAccounts {
  private accounts = new Map<string, Record<string, unknown>>();
  readonly writes: BillingWrite[] = [];
  /** Every repository call, reads included ("touching nothing" means none). */
  calls = 0;

  /** Replaces every account with these (by `customerId`) and forgets the writes. */
  reset(accounts: readonly Record<string, unknown>[] = []): void {
    this.accounts = new Map(accounts.map((account) => [String(account.customerId), structuredClone(account)]));
    this.writes.length = 0;
    this.calls = 0;
  }

  /** The account as stored now. */
  account(customerId: string): Record<string, unknown> | undefined {
    return this.accounts.get(customerId);
  }

  /** The statuses accounts actually moved to, in order. */
  statusMoves(): { customerId: string; to: CustomerStatus }[] {
    return this.writes.flatMap((w) => (w.write === 'status' && w.moved ? [{ customerId: w.customerId, to: w.to }] : []));
  }

  /** Customer ids any write (a status move or a snapshot, applied or not) was made for. */
  customersWritten(): string[] {
    return this.writes.flatMap((w) => (w.write === 'ignored' ? [] : [w.customerId]));
  }

  readonly getCustomer = async (customerId: string): Promise<Customer | undefined> => {
    this.calls += 1;
    const account = this.accounts.get(customerId);
    return account ? (structuredClone(account) as unknown as Customer) : undefined;
  };

  readonly transitionStatus = async (customerId: string, from: readonly CustomerStatus[], to: CustomerStatus): Promise<boolean> => {
    this.calls += 1;
    const account = this.accounts.get(customerId);
    const moved = account !== undefined && from.includes(account.status as CustomerStatus);
    if (moved) account.status = to;
    this.writes.push({ write: 'status', customerId, from, to, moved });
    return moved;
  };

  readonly saveBillingSnapshot = async (customerId: string, billing: BillingSnapshot): Promise<boolean> => {
    this.calls += 1;
    const account = this.accounts.get(customerId);
    const stored = account?.billing as Partial<BillingSnapshot> | undefined;
    const saved = account !== undefined && (stored?.observedAt === undefined || stored.observedAt <= billing.observedAt);
    if (saved) account.billing = billing;
    this.writes.push({ write: 'snapshot', customerId, billing, saved });
    return saved;
  };

  readonly recordIgnoredDelivery = async (bodyHash: string, reason: string): Promise<void> => {
    this.calls += 1;
    this.writes.push({ write: 'ignored', bodyHash, reason });
  };
}
