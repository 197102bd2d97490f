import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Why each item of a cancelled transaction failed (`None` for the ones that did not), by position. */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/** Runs a transaction, retrying only on TransactionConflict (another transaction on the same items). */
export async function withConflictRetry<T>(run: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const codes = cancellationCodes(error);
      const conflictOnly = codes?.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
      if (!conflictOnly || attempt >= attempts) throw error;
      // Full jitter so concurrent writers spread out instead of colliding again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
    }
  }
}
