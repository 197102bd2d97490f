import type Stripe from 'stripe';
import type { StripeModel } from './model';

/** What an endpoint handler gets besides its parameters. */
export interface StripeContext {
  readonly model: StripeModel;
  /** The API version the caller asked for (Stripe-Version), else the pinned one. */
  readonly apiVersion: string;
  /** `http://host:port` of the edge as the caller reached it, for hosted page URLs. */
  readonly baseUrl: string;
  readonly requestId: string;
  readonly idempotencyKey: string | undefined;
  /** Records an event (delivered to the webhook after the response, as Stripe does). */
  emit(type: Stripe.Event.Type, object: object, previousAttributes?: Record<string, unknown>): void;
}
