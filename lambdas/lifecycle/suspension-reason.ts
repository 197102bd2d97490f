import * as z from 'zod/mini';

/**
 * Why the account is suspended: the Stripe subscription status the webhook saw (`unpaid`, `canceled`,
 * `paused`, `incomplete_expired`) or one of our codes (`trial_ended`, `requested`). A code, never prose.
 */
export const SuspensionReason = z.string().check(z.regex(/^[a-z_]{1,40}$/));
