import { PLANS } from '../core/plans';
import { getCustomer } from '../repositories/accounts';
import { getChannels } from '../repositories/messaging-channels';
import { deleteHistoryPage, dropHistoryExpiry, dueHistoryExpiries } from '../repositories/messaging-history';

export interface HistoryExpiryRun {
  /** Customers whose history is now gone. */
  readonly deleted: number;
  /** Markers dropped without deleting: the account has messaging again. */
  readonly kept: number;
  /** Markers left for the next run (time ran out). */
  readonly unfinished: boolean;
}

/**
 * Deletes the messaging history of released customers whose retention is over: one Query of the due
 * markers, then page by page per customer until `hasTime()` says stop; a marker is dropped only once its
 * customer's history is gone, so the next run resumes. A customer that has messaging again (a plan upgraded
 * back, channels allocated) keeps its history: the marker is dropped.
 */
export async function expireMessagingHistory(now: Date, hasTime: () => boolean): Promise<HistoryExpiryRun> {
  let deleted = 0;
  let kept = 0;
  for (;;) {
    const due = await dueHistoryExpiries(now, 25);
    if (due.length === 0) return { deleted, kept, unfinished: false };
    for (const marker of due) {
      if (!hasTime()) return { deleted, kept, unfinished: true };
      const customer = await getCustomer(marker.customerId, { consistent: true });
      const stillUsing = customer !== undefined && customer.status !== 'cancelled' && PLANS[customer.plan].messaging && (await getChannels(marker.customerId)) !== undefined;
      if (stillUsing) {
        await dropHistoryExpiry(marker);
        kept += 1;
        continue;
      }
      let done = false;
      while (!done && hasTime()) done = await deleteHistoryPage(marker.customerId);
      if (!done) return { deleted, kept, unfinished: true };
      await dropHistoryExpiry(marker);
      deleted += 1;
    }
  }
}
