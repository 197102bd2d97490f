import { stripeId } from './ids';
import type { StripeModel, WireInvoice, WireSubscription } from './model';

/**
 * Invoices the sandbox issues for a subscription (its trial conversion, a failed or recovered payment).
 * In the pinned API version an invoice names its subscription in `parent.subscription_details`, not in
 * a top-level `subscription` (renderInvoice adds that for callers on a pre-2025-03-31 version).
 */
export function issueInvoice(
  model: StripeModel,
  subscription: WireSubscription,
  options: { billingReason: 'subscription_create' | 'subscription_cycle'; email: string | null },
): WireInvoice {
  const now = model.now();
  const item = subscription.items.data[0];
  const total = subscription.items.data.reduce((sum, each) => sum + (each.price.unit_amount ?? 0) * (each.quantity ?? 1), 0);
  const invoice: WireInvoice = {
    id: stripeId('in'),
    object: 'invoice',
    amount_due: total,
    amount_paid: 0,
    amount_remaining: total,
    attempt_count: 0,
    attempted: false,
    billing_reason: options.billingReason,
    collection_method: subscription.collection_method,
    created: now,
    currency: subscription.currency,
    customer: subscription.customer as string,
    customer_email: options.email,
    hosted_invoice_url: null,
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
    },
    period_end: item?.current_period_end ?? now,
    period_start: item?.current_period_start ?? now,
    status: 'open',
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    total,
    lines: {
      object: 'list',
      data: subscription.items.data.map((each) => ({
        id: stripeId('il'),
        object: 'line_item',
        amount: (each.price.unit_amount ?? 0) * (each.quantity ?? 1),
        currency: subscription.currency,
        description: `${each.quantity ?? 1} × ${each.price.nickname ?? each.price.id}`,
        invoice: null,
        livemode: false,
        metadata: {},
        parent: {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: subscription.id, subscription_item: each.id },
        },
        period: { start: each.current_period_start, end: each.current_period_end },
        pricing: { type: 'price_details', price_details: { price: each.price.id, product: each.price.product }, unit_amount_decimal: each.price.unit_amount_decimal },
        quantity: each.quantity ?? 1,
      })),
      has_more: false,
      total_count: subscription.items.data.length,
      url: '/v1/invoices/{id}/lines',
    },
  };
  invoice.lines.url = `/v1/invoices/${invoice.id}/lines`;
  for (const line of invoice.lines.data) line.invoice = invoice.id;
  model.state.invoices[invoice.id] = invoice;
  return invoice;
}

/** One more failed automatic collection attempt; `final` when Stripe's retries are exhausted. */
export function failPayment(model: StripeModel, invoice: WireInvoice, final: boolean): void {
  const now = model.now();
  invoice.attempt_count += 1;
  invoice.attempted = true;
  // Smart Retries: the next attempt a few days later, none after the last one.
  invoice.next_payment_attempt = final ? null : now + 3 * 86400;
}

export function payInvoice(model: StripeModel, invoice: WireInvoice): void {
  const now = model.now();
  invoice.attempt_count += 1;
  invoice.attempted = true;
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, paid_at: now };
}

/** The caller's API version decides the shape: before 2025-03-31 (basil) invoices had `subscription`. */
export function renderInvoice(invoice: WireInvoice, apiVersion: string): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(invoice);
  if (isLegacyVersion(apiVersion)) copy.subscription = invoice.parent?.subscription_details?.subscription ?? null;
  return copy;
}

/** API versions before basil (2025-03-31) put billing periods on the subscription and invoices' subscription on top. */
export function isLegacyVersion(apiVersion: string): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(apiVersion) && apiVersion.slice(0, 10) < '2025-03-31';
}
