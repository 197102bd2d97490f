import type Stripe from 'stripe';
import type { SandboxClock } from '../clock';
import { JsonFile } from '../json-file';
import { epochSeconds } from './ids';

/** Wire objects as stored: the pinned API version's shape; Decimal members travel as strings. */
export type WireCustomer = Omit<Stripe.Customer, 'lastResponse'>;
export type WireSubscriptionItem = Omit<Stripe.SubscriptionItem, 'price' | 'plan'> & { price: WirePrice; plan: WirePlan };
export type WireSubscription = Omit<Stripe.Subscription, 'items' | 'lastResponse'> & { items: WireList<WireSubscriptionItem> };
export type WirePrice = Omit<Stripe.Price, 'unit_amount_decimal' | 'lastResponse'> & { unit_amount_decimal: string | null };
export type WirePlan = Omit<Stripe.Plan, 'amount_decimal'> & { amount_decimal: string | null };
/** Invoices are kept to the members our webhook handling reads (and the ones Stripe always sends). */
export type WireInvoice = Pick<
  Stripe.Invoice,
  | 'id'
  | 'object'
  | 'amount_due'
  | 'amount_paid'
  | 'amount_remaining'
  | 'attempt_count'
  | 'attempted'
  | 'billing_reason'
  | 'collection_method'
  | 'created'
  | 'currency'
  | 'customer'
  | 'customer_email'
  | 'hosted_invoice_url'
  | 'livemode'
  | 'metadata'
  | 'next_payment_attempt'
  | 'parent'
  | 'period_end'
  | 'period_start'
  | 'status'
  | 'status_transitions'
  | 'subtotal'
  | 'total'
> & { lines: WireList<Record<string, unknown>> };
export type WireCheckoutSession = Partial<Omit<Stripe.Checkout.Session, 'lastResponse'>> & Pick<Stripe.Checkout.Session, 'id' | 'object' | 'url'>;
export type WirePortalSession = Omit<Stripe.BillingPortal.Session, 'lastResponse'>;
/** SetupIntents are kept to the members our code reads and Stripe always sends. */
export type WireSetupIntent = Pick<
  Stripe.SetupIntent,
  'id' | 'object' | 'client_secret' | 'created' | 'description' | 'last_setup_error' | 'livemode' | 'metadata' | 'payment_method_types' | 'status' | 'usage'
> & { customer: string | null; payment_method: string | null };

export interface WireList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  total_count?: number;
  url: string;
}

export interface StoredEvent {
  /** The event object exactly as delivered (its `data.object` is a snapshot). */
  readonly event: Stripe.Event;
  /** The bytes every delivery sends (redeliveries too): Stripe's pretty-printed JSON. */
  readonly payload: string;
  readonly deliveries: Delivery[];
}

export interface Delivery {
  readonly at: string;
  readonly url: string;
  /** The webhook's HTTP status; null when it could not be reached. */
  readonly status: number | null;
  readonly signature: string;
  readonly durationMs: number;
  readonly error?: string;
}

export interface IdempotencyRecord {
  readonly key: string;
  readonly endpoint: string;
  /** Canonical JSON of the decoded parameters. */
  readonly params: string;
  readonly statusCode: number;
  readonly body: string;
  readonly requestId: string;
  readonly createdAt: number;
}

export interface StripeState {
  customers: Record<string, WireCustomer>;
  subscriptions: Record<string, WireSubscription>;
  invoices: Record<string, WireInvoice>;
  checkoutSessions: Record<string, WireCheckoutSession>;
  portalSessions: Record<string, WirePortalSession>;
  /** Made when a setup-mode Checkout session completes. */
  setupIntents: Record<string, WireSetupIntent>;
  /** A subscription-mode session's prices, for completing it on the sandbox's checkout page. */
  checkoutLineItems: Record<string, Array<{ price: string; quantity: number }>>;
  events: StoredEvent[];
  idempotency: Record<string, IdempotencyRecord>;
}

const empty = (): StripeState => ({
  customers: {},
  subscriptions: {},
  invoices: {},
  checkoutSessions: {},
  portalSessions: {},
  setupIntents: {},
  checkoutLineItems: {},
  events: [],
  idempotency: {},
});

/** Stripe's account state in the sandbox, in `<dataDir>/sandbox/stripe.json` (saved on every change). */
export class StripeModel {
  private readonly file: JsonFile<StripeState>;
  state: StripeState;

  constructor(
    dir: string,
    readonly clock: SandboxClock,
  ) {
    this.file = new JsonFile<StripeState>(dir, 'stripe');
    this.state = { ...empty(), ...this.file.load(empty) };
  }

  /** Now, in epoch seconds. */
  now(): number {
    return epochSeconds(this.clock.now());
  }

  save(): void {
    this.file.save(this.state);
  }

  reset(): void {
    this.state = empty();
    this.save();
  }

  /** Newest first, like every Stripe list. */
  static newestFirst<T extends { created: number }>(items: Iterable<T>): T[] {
    return [...items].map((item, index) => ({ item, index })).sort((a, b) => b.item.created - a.item.created || b.index - a.index).map(({ item }) => item);
  }
}

/** `{object: 'list', data, has_more, url}` with Stripe's limit / starting_after / ending_before paging. */
export function listPage<T extends { id: string; created: number }>(
  items: Iterable<T>,
  url: string,
  paging: { limit?: number; startingAfter?: string; endingBefore?: string },
): WireList<T> {
  let sorted = StripeModel.newestFirst(items);
  if (paging.startingAfter !== undefined) {
    const index = sorted.findIndex((item) => item.id === paging.startingAfter);
    sorted = index === -1 ? [] : sorted.slice(index + 1);
  } else if (paging.endingBefore !== undefined) {
    const index = sorted.findIndex((item) => item.id === paging.endingBefore);
    sorted = index === -1 ? [] : sorted.slice(0, index);
  }
  const limit = paging.limit ?? 10;
  return { object: 'list', data: sorted.slice(0, limit), has_more: sorted.length > limit, url };
}
