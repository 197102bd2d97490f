import type Stripe from 'stripe';
import type { StripeContext } from './context';
import { findCustomer } from './customers';
import { invalidRequest, noSuch, StripeApiError } from './errors';
import { addMonths, stripeId } from './ids';
import { issueInvoice, isLegacyVersion, payInvoice } from './invoices';
import { listPage, type StripeModel, type WireSubscription, type WireSubscriptionItem } from './model';
import type { Params } from './params';
import { findPrice, paging, planOf } from './prices';

const MAX_TRIAL_DAYS = 730;
const MISSING_PAYMENT_METHOD = ['cancel', 'create_invoice', 'pause'] as const;
const PAYMENT_BEHAVIORS = ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const;
const NO_PAYMENT_METHOD =
  'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://docs.stripe.com/billing/subscriptions/payment-methods-setting#payment-method-priority.';

/** Stripe's test payment methods (`pm_card_visa`, ...) are the only ones the sandbox knows. */
function isTestPaymentMethod(id: string): boolean {
  return /^pm_card_[a-z0-9_]+$/.test(id);
}

/** POST /v1/subscriptions */
export function createSubscription(ctx: StripeContext, params: Params): WireSubscription {
  params.allow(
    'customer',
    'items',
    'trial_end',
    'trial_period_days',
    'trial_settings',
    'payment_settings',
    'payment_behavior',
    'metadata',
    'description',
    'collection_method',
    'days_until_due',
    'default_payment_method',
    'cancel_at_period_end',
    'off_session',
    'proration_behavior',
    'expand',
  );
  const now = ctx.model.now();
  const customerId = params.requiredString('customer');
  const customer = findCustomer(ctx, customerId);
  if (!customer) throw noSuch('customer', customerId, 'customer', 400);
  const itemParams = params.objects('items');
  if (!itemParams || itemParams.length === 0) throw invalidRequest('Missing required param: items.', 'items');
  const trialEnd = readTrialEnd(params, now);
  const trialSettings = params.object('trial_settings');
  const endBehavior = trialSettings?.allow('end_behavior').object('end_behavior');
  endBehavior?.allow('missing_payment_method', 'billing_cycle_anchor');
  const missingPaymentMethod = endBehavior?.oneOf('missing_payment_method', MISSING_PAYMENT_METHOD) ?? 'create_invoice';
  const anchorAfterTrial = endBehavior?.oneOf('billing_cycle_anchor', ['now', 'unchanged'] as const) ?? null;
  const paymentBehavior = params.oneOf('payment_behavior', PAYMENT_BEHAVIORS) ?? 'allow_incomplete';
  const collectionMethod = params.oneOf('collection_method', ['charge_automatically', 'send_invoice'] as const) ?? 'charge_automatically';
  const daysUntilDue = params.integer('days_until_due', 0, 730);
  const defaultPaymentMethod = params.string('default_payment_method');
  if (defaultPaymentMethod !== undefined && !isTestPaymentMethod(defaultPaymentMethod)) {
    throw noSuch('PaymentMethod', defaultPaymentMethod, 'default_payment_method', 400);
  }
  const paymentSettings = readPaymentSettings(params);
  const id = stripeId('sub');
  const periodStart = now;
  const periodEnd = trialEnd ?? addMonths(now);
  const items = itemParams.map((item, index): WireSubscriptionItem => {
    item.allow('price', 'quantity', 'metadata');
    const priceId = item.requiredString('price');
    const price = findPrice(priceId);
    if (!price) throw noSuch('price', priceId, `items[${index}][price]`, 400);
    return {
      id: stripeId('si', 14),
      object: 'subscription_item',
      billing_thresholds: null,
      created: now,
      current_period_end: periodEnd,
      current_period_start: periodStart,
      current_trial: null,
      discounts: [],
      metadata: item.metadata() ?? {},
      plan: planOf(price),
      price,
      quantity: item.integer('quantity', 0) ?? 1,
      subscription: id,
      tax_rates: [],
    };
  });
  const currencies = new Set(items.map((item) => item.price.currency));
  if (currencies.size > 1) throw invalidRequest('All prices on a subscription must have the same currency.', 'items');
  const hasPaymentMethod = defaultPaymentMethod !== undefined || customer.invoice_settings.default_payment_method !== null;
  let status: Stripe.Subscription.Status = trialEnd === undefined ? 'active' : 'trialing';
  if (trialEnd === undefined && !hasPaymentMethod && collectionMethod === 'charge_automatically') {
    // Without a trial the first invoice is due now: Stripe refuses, or leaves it incomplete when asked to.
    if (paymentBehavior !== 'default_incomplete') throw new StripeApiError(400, 'invalid_request_error', NO_PAYMENT_METHOD, 'resource_missing');
    status = 'incomplete';
  }
  const subscription: WireSubscription = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: periodEnd === trialEnd ? trialEnd : now,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: collectionMethod,
    created: now,
    currency: items[0].price.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: daysUntilDue ?? null,
    default_payment_method: defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: [],
    description: params.string('description') || null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, total_count: items.length, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: params.metadata() ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: paymentSettings,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status,
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd ?? null,
    trial_settings: { end_behavior: { billing_cycle_anchor: anchorAfterTrial, missing_payment_method: missingPaymentMethod } },
    trial_start: trialEnd === undefined ? null : now,
  };
  if (params.boolean('cancel_at_period_end')) setCancelAtPeriodEnd(subscription, true, now);
  // Stripe always issues a first invoice: USD 0 for a trial, the first period otherwise.
  const invoice = issueInvoice(ctx.model, subscription, { billingReason: 'subscription_create', email: customer.email });
  if (status === 'trialing') {
    invoice.amount_due = invoice.amount_remaining = invoice.subtotal = invoice.total = 0;
    for (const line of invoice.lines.data) line.amount = 0;
    payInvoice(ctx.model, invoice);
  } else if (status === 'active') {
    payInvoice(ctx.model, invoice);
  }
  subscription.latest_invoice = invoice.id;
  ctx.model.state.subscriptions[id] = subscription;
  ctx.emit('customer.subscription.created', subscription);
  return subscription;
}

function readTrialEnd(params: Params, now: number): number | undefined {
  const trialDays = params.integer('trial_period_days', 0, MAX_TRIAL_DAYS);
  const raw = params.string('trial_end');
  if (raw !== undefined && trialDays !== undefined) {
    throw invalidRequest('You cannot set both trial_end and trial_period_days.', 'trial_end');
  }
  if (trialDays !== undefined) return trialDays === 0 ? undefined : now + trialDays * 86400;
  if (raw === undefined || raw === 'now') return undefined;
  const trialEnd = params.integer('trial_end') as number;
  if (trialEnd <= now) throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', 'trial_end');
  if (trialEnd > now + MAX_TRIAL_DAYS * 86400) {
    throw invalidRequest(`Invalid timestamp: can be no more than ${MAX_TRIAL_DAYS} days in the future.`, 'trial_end');
  }
  return trialEnd;
}

function readPaymentSettings(params: Params): Stripe.Subscription.PaymentSettings {
  const settings = params.object('payment_settings');
  settings?.allow('payment_method_types', 'save_default_payment_method', 'payment_method_options');
  return {
    payment_method_options: null,
    payment_method_types: (settings?.strings('payment_method_types') as Stripe.Subscription.PaymentSettings.PaymentMethodType[] | undefined) ?? null,
    save_default_payment_method: settings?.oneOf('save_default_payment_method', ['off', 'on_subscription'] as const) ?? 'off',
  };
}

export function findSubscription(model: StripeModel, id: string): WireSubscription | undefined {
  return Object.hasOwn(model.state.subscriptions, id) ? model.state.subscriptions[id] : undefined;
}

function existing(ctx: StripeContext, id: string): WireSubscription {
  const subscription = findSubscription(ctx.model, id);
  if (!subscription) throw noSuch('subscription', id);
  return subscription;
}

/** GET /v1/subscriptions/:id */
export function retrieveSubscription(ctx: StripeContext, id: string, params: Params): WireSubscription {
  params.allow('expand');
  return existing(ctx, id);
}

/** GET /v1/subscriptions: not canceled ones unless `status` says otherwise, like Stripe. */
export function listSubscriptions(ctx: StripeContext, params: Params) {
  params.allow('customer', 'price', 'status', 'limit', 'starting_after', 'ending_before', 'expand', 'created');
  const customer = params.string('customer');
  const price = params.string('price');
  const status = params.oneOf('status', ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const);
  const subscriptions = Object.values(ctx.model.state.subscriptions).filter(
    (subscription) =>
      (customer === undefined || subscription.customer === customer) &&
      (price === undefined || subscription.items.data.some((item) => item.price.id === price)) &&
      (status === 'all' ||
        (status === undefined && subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired') ||
        (status === 'ended' && (subscription.status === 'canceled' || subscription.status === 'incomplete_expired')) ||
        subscription.status === status),
  );
  return listPage(subscriptions, '/v1/subscriptions', paging(params));
}

/** POST /v1/subscriptions/:id: cancel_at_period_end, pause_collection, metadata, description, cancellation_details. */
export function updateSubscription(ctx: StripeContext, id: string, params: Params): WireSubscription {
  params.allow('cancel_at_period_end', 'pause_collection', 'metadata', 'description', 'cancellation_details', 'proration_behavior', 'items', 'expand');
  const subscription = existing(ctx, id);
  params.oneOf('proration_behavior', ['create_prorations', 'none', 'always_invoice'] as const);
  const now = ctx.model.now();
  const before = snapshot(subscription);
  if (subscription.status === 'canceled' && Object.keys(params.raw).some((key) => !['metadata', 'cancellation_details', 'expand'].includes(key))) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const cancelAtPeriodEnd = params.boolean('cancel_at_period_end');
  if (cancelAtPeriodEnd !== undefined) setCancelAtPeriodEnd(subscription, cancelAtPeriodEnd, now);
  const pause = params.object('pause_collection');
  if (pause === null) subscription.pause_collection = null;
  else if (pause !== undefined) {
    pause.allow('behavior', 'resumes_at');
    const behavior = pause.oneOf('behavior', ['keep_as_draft', 'mark_uncollectible', 'void'] as const);
    if (behavior === undefined) throw invalidRequest('Missing required param: pause_collection[behavior].', 'pause_collection[behavior]');
    const resumesAt = pause.integer('resumes_at');
    if (resumesAt !== undefined && resumesAt <= now) {
      throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', 'pause_collection[resumes_at]');
    }
    subscription.pause_collection = { behavior, resumes_at: resumesAt ?? null };
  }
  const metadata = params.metadata(subscription.metadata);
  if (metadata !== undefined) subscription.metadata = metadata;
  if (params.has('description')) subscription.description = params.string('description') || null;
  readCancellationDetails(params, subscription);
  updateItems(params, subscription);
  const previous = changedAttributes(before, subscription);
  if (Object.keys(previous).length > 0) ctx.emit('customer.subscription.updated', subscription, previous);
  ctx.model.state.subscriptions[id] = subscription;
  return subscription;
}

/**
 * `items[i][id]` with `items[i][price]`: an existing item moves to another price (a plan change). The
 * proration itself is not modelled (the next invoice is issued at the new price); an unknown item or price
 * is refused as Stripe refuses it.
 */
function updateItems(params: Params, subscription: WireSubscription): void {
  const itemParams = params.objects('items');
  if (!itemParams) return;
  itemParams.forEach((item, index) => {
    item.allow('id', 'price', 'quantity');
    const itemId = item.requiredString('id');
    const current = subscription.items.data.find((candidate) => candidate.id === itemId);
    if (!current) throw noSuch('subscription_item', itemId, `items[${index}][id]`, 400);
    const priceId = item.string('price');
    if (priceId !== undefined) {
      const price = findPrice(priceId);
      if (!price) throw noSuch('price', priceId, `items[${index}][price]`, 400);
      if (price.currency !== current.price.currency) throw invalidRequest('All prices on a subscription must have the same currency.', 'items');
      current.price = price;
      current.plan = planOf(price);
    }
    const quantity = item.integer('quantity', 0);
    if (quantity !== undefined) current.quantity = quantity;
  });
}

/**
 * POST /v1/subscriptions/:id/resume: only a paused subscription (a trial that ended without a card). Stripe's
 * defaults: a new period starts now and its invoice is charged to the default payment method (the
 * subscription's, else the customer's); without one the resume is refused, as Stripe refuses to charge.
 */
export function resumeSubscription(ctx: StripeContext, id: string, params: Params): WireSubscription {
  params.allow('billing_cycle_anchor', 'payment_behavior', 'proration_behavior', 'proration_date', 'expand');
  const subscription = existing(ctx, id);
  if (subscription.status !== 'paused') {
    throw invalidRequest(`Only a paused subscription can be resumed; subscription ${id} is ${subscription.status}.`, undefined, 'subscription_not_paused');
  }
  const customer = findCustomer(ctx, subscription.customer as string);
  if (!subscription.default_payment_method && !customer?.invoice_settings.default_payment_method) {
    throw new StripeApiError(400, 'invalid_request_error', NO_PAYMENT_METHOD, 'resource_missing');
  }
  const now = ctx.model.now();
  const before = snapshot(subscription);
  startNewPeriod(subscription, now);
  const invoice = issueInvoice(ctx.model, subscription, { billingReason: 'subscription_cycle', email: customer?.email ?? null });
  payInvoice(ctx.model, invoice);
  subscription.latest_invoice = invoice.id;
  subscription.status = 'active';
  subscription.pause_collection = null;
  ctx.emit('invoice.paid', invoice);
  ctx.emit('customer.subscription.updated', subscription, changedAttributes(before, subscription));
  ctx.emit('customer.subscription.resumed', subscription);
  return subscription;
}

/** DELETE /v1/subscriptions/:id: cancels at once (status canceled, ended_at now). */
export function cancelSubscription(ctx: StripeContext, id: string, params: Params): WireSubscription {
  params.allow('invoice_now', 'prorate', 'cancellation_details', 'expand');
  const subscription = existing(ctx, id);
  if (subscription.status === 'canceled') {
    throw invalidRequest(`This subscription is already canceled: '${id}'.`, undefined, 'subscription_canceled');
  }
  params.boolean('invoice_now');
  params.boolean('prorate');
  readCancellationDetails(params, subscription);
  endSubscription(subscription, ctx.model.now(), 'cancellation_requested');
  ctx.emit('customer.subscription.deleted', subscription);
  return subscription;
}

function readCancellationDetails(params: Params, subscription: WireSubscription): void {
  const details = params.object('cancellation_details');
  if (!details) return;
  details.allow('comment', 'feedback');
  const feedback = details.oneOf('feedback', [
    'customer_service',
    'low_quality',
    'missing_features',
    'other',
    'switched_service',
    'too_complex',
    'too_expensive',
    'unused',
  ] as const);
  const current = subscription.cancellation_details ?? { comment: null, feedback: null, feedback_option: null, reason: null };
  subscription.cancellation_details = {
    ...current,
    comment: details.has('comment') ? details.string('comment') || null : current.comment,
    feedback: details.has('feedback') ? (feedback ?? null) : current.feedback,
  };
}

export function setCancelAtPeriodEnd(subscription: WireSubscription, value: boolean, now: number): void {
  subscription.cancel_at_period_end = value;
  subscription.cancel_at = value ? currentPeriodEnd(subscription) : null;
  subscription.canceled_at = value ? now : null;
  subscription.cancellation_details = {
    ...(subscription.cancellation_details ?? { comment: null, feedback: null, feedback_option: null }),
    reason: value ? 'cancellation_requested' : null,
  };
}

export function endSubscription(subscription: WireSubscription, now: number, reason: 'cancellation_requested' | 'payment_failed'): void {
  subscription.status = 'canceled';
  subscription.ended_at = now;
  subscription.canceled_at = subscription.canceled_at ?? now;
  subscription.cancel_at_period_end = false;
  subscription.cancellation_details = {
    ...(subscription.cancellation_details ?? { comment: null, feedback: null, feedback_option: null }),
    reason: subscription.cancellation_details?.reason ?? reason,
  };
}

/** Starts a new monthly billing period on every item (trial conversion, resume). */
export function startNewPeriod(subscription: WireSubscription, now: number): void {
  for (const item of subscription.items.data) {
    item.current_period_start = now;
    item.current_period_end = addMonths(now);
  }
  subscription.billing_cycle_anchor = now;
}

export function currentPeriodEnd(subscription: WireSubscription): number {
  return subscription.items.data[0]?.current_period_end ?? subscription.created;
}

export function snapshot<T>(value: T): T {
  return structuredClone(value);
}

/** Stripe's `previous_attributes`: the prior values of the top-level members that changed. */
export function changedAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) previous[key] = a[key] ?? null;
  }
  return previous;
}

/**
 * The subscription as the caller's API version shows it: the pinned version keeps billing periods on the
 * items only (`items.data[0].current_period_end`); before 2025-03-31 they were on the subscription too.
 */
export function renderSubscription(subscription: WireSubscription, apiVersion: string): Record<string, unknown> {
  const copy: Record<string, unknown> = snapshot(subscription);
  if (isLegacyVersion(apiVersion)) {
    copy.current_period_start = subscription.items.data[0]?.current_period_start ?? null;
    copy.current_period_end = subscription.items.data[0]?.current_period_end ?? null;
  }
  return copy;
}
