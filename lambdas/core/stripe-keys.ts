/**
 * The value CDK creates the Stripe keys secret with (lib/stripe-keys.ts), shared with the webhook so a
 * stack still holding it refuses every delivery: the placeholder is public (it is in this repository), so
 * an event "signed" with it proves nothing. A module without side effects, so CDK can import it.
 */
export const STRIPE_KEYS_PLACEHOLDER = 'REPLACE_ME_WITH_aws_secretsmanager_put-secret-value';

/** A webhook signing secret we may verify with: Stripe's `whsec_` form, never the placeholder. */
export function isUsableWebhookSecret(secret: string | undefined): boolean {
  return typeof secret === 'string' && secret !== STRIPE_KEYS_PLACEHOLDER && /^whsec_\S{8,}$/.test(secret);
}
