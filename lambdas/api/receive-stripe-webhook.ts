import { headerValue } from './headers';
import { route } from './http';
import { PayloadTooLargeError } from '../core/errors';
import { receiveStripeWebhook } from '../billing/stripe-webhook';
import { MAX_BODY_BYTES } from './validation';

/**
 * POST /stripe/webhooks: Stripe's deliveries. Only the raw body verifies, so it is taken byte for byte
 * (decoded when API Gateway base64-encoded it), never parsed and re-serialised.
 */
export const handler = route(async ({ event, context }) => {
  const raw = event.body === null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw) > 4 * MAX_BODY_BYTES) throw new PayloadTooLargeError(4 * MAX_BODY_BYTES);
  const signature = headerValue(event.headers, 'stripe-signature');
  return { statusCode: 200, body: await receiveStripeWebhook(raw, signature, context) };
});
