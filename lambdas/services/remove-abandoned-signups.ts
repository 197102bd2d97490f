import { cancellationCodes } from '../repositories/transactions';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { findAbandonedAccounts, removeAbandonedAccount } from '../repositories/abandoned-accounts';

export interface CleanupResult {
  /** Accounts removed in this run. */
  readonly removed: number;
  /** Found but left for the next run (verified or changed meanwhile, or a conflict). */
  readonly skipped: number;
}

const PAGE_SIZE = 50;
/** One run removes at most this many; the schedule comes back for the rest. */
const MAX_PER_RUN = 500;

/**
 * Removes accounts whose email was not verified within 7 days, so their email and subdomain can be used
 * again (a new signup may take them over even before this runs; see repositories/accounts.ts). `now` is
 * the schedule's time, which keeps it testable: a run "in 8 days" is a run with that time.
 */
export async function removeAbandonedSignups(now: number): Promise<CleanupResult> {
  let removed = 0;
  let skipped = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await findAbandonedAccounts(now, PAGE_SIZE, startKey);
    startKey = page.nextKey;
    for (const customerId of page.customerIds) {
      const customer = await getCustomer(customerId, { consistent: true });
      if (!customer || customer.status !== 'pending_verification' || (customer.pendingExpiresAt ?? Infinity) > now) {
        skipped += 1;
        continue;
      }
      try {
        await removeAbandonedAccount(customer, now);
        removed += 1;
      } catch (error) {
        // Verified, or its email or subdomain taken over, between our read and the delete: next run.
        if (!cancellationCodes(error)) throw error;
        skipped += 1;
      }
    }
  } while (startKey && removed + skipped < MAX_PER_RUN);
  logger.info('Abandoned signups removed', { removed, skipped });
  return { removed, skipped };
}
