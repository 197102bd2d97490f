import Stripe from 'stripe';
import { stripeId } from './ids';
import { renderInvoice } from './invoices';
import type { Delivery, StoredEvent, StripeModel, WireInvoice, WireSubscription } from './model';
import { renderSubscription, snapshot } from './subscriptions';

/** Events and webhooks speak the API version stripe-node pins (Stripe.API_VERSION). */
export const EVENT_API_VERSION = Stripe.API_VERSION;

export interface WebhookSettings {
  /** Where events go (STACKPRO_WEBHOOK_URL); undefined: recorded, never delivered. */
  readonly url: string | undefined;
  /** The endpoint's signing secret (STRIPE_WEBHOOK_SECRET). */
  readonly secret: string;
  /** @default 10 s (Stripe gives up on an endpoint sooner than its 30 s, we stay generous for debuggers) */
  readonly timeoutMs?: number;
}

const signer = new Stripe('sk_test_signing_only');

/**
 * Stripe's `Stripe-Signature` header for a payload: `t=<timestamp>,v1=<HMAC-SHA256(secret, "t.payload")>`,
 * made by stripe-node itself so it verifies exactly as `stripe.webhooks.constructEvent` expects.
 */
export function signPayload(payload: string, secret: string, timestamp?: number): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

/** Events as Stripe creates them (a snapshot of the object at that moment) and their webhook deliveries. */
export class StripeEvents {
  constructor(
    private readonly model: StripeModel,
    private readonly settings: WebhookSettings,
  ) {}

  get webhookUrl(): string | undefined {
    return this.settings.url;
  }

  record(
    type: Stripe.Event.Type,
    object: object,
    previousAttributes?: Record<string, unknown>,
    request: { id: string | null; idempotency_key: string | null } = { id: null, idempotency_key: null },
  ): StoredEvent {
    const data: Record<string, unknown> = { object: renderForEvent(object) };
    if (previousAttributes !== undefined) data.previous_attributes = previousAttributes;
    const event = {
      id: stripeId('evt'),
      object: 'event',
      api_version: EVENT_API_VERSION,
      created: this.model.now(),
      data,
      livemode: false,
      pending_webhooks: this.settings.url === undefined ? 0 : 1,
      request,
      type,
    } as unknown as Stripe.Event;
    const stored: StoredEvent = { event, payload: JSON.stringify(event, null, 2), deliveries: [] };
    this.model.state.events.push(stored);
    this.model.save();
    return stored;
  }

  find(id: string): StoredEvent | undefined {
    return this.model.state.events.find((stored) => stored.event.id === id);
  }

  list(): StoredEvent[] {
    return this.model.state.events;
  }

  /** One delivery: the stored payload, freshly signed, POSTed to the webhook URL; its status is recorded. */
  async deliver(stored: StoredEvent): Promise<Delivery> {
    const url = this.settings.url;
    const started = Date.now();
    const signature = signPayload(stored.payload, this.settings.secret);
    let delivery: Delivery;
    if (url === undefined) {
      delivery = { at: new Date().toISOString(), url: '', status: null, signature, durationMs: 0, error: 'STACKPRO_WEBHOOK_URL is not set' };
    } else {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': signature,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'cache-control': 'no-cache',
            accept: '*/*; q=0.5, application/xml',
          },
          body: stored.payload,
          signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
        });
        // Stripe reads (and ignores) the body; draining it frees the socket.
        await response.arrayBuffer().catch(() => undefined);
        delivery = { at: new Date(started).toISOString(), url, status: response.status, signature, durationMs: Date.now() - started };
      } catch (error) {
        const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        delivery = { at: new Date(started).toISOString(), url, status: null, signature, durationMs: Date.now() - started, error: reason };
      }
    }
    stored.deliveries.push(delivery);
    this.model.save();
    return delivery;
  }
}

/** `data.object`: subscriptions and invoices in the pinned version's shape, everything else as stored. */
function renderForEvent(object: object): unknown {
  const kind = (object as { object?: string }).object;
  if (kind === 'subscription') return renderSubscription(object as WireSubscription, EVENT_API_VERSION);
  if (kind === 'invoice') return renderInvoice(object as WireInvoice, EVENT_API_VERSION);
  return snapshot(object);
}
