import type { StripeContext } from './context';
import { findCustomer } from './customers';
import { invalidRequest, noSuch } from './errors';
import { stripeId } from './ids';
import type { WireCheckoutSession } from './model';
import type { Params } from './params';
import { findPrice } from './prices';

const SESSION_LIFETIME_SECONDS = 24 * 3600;

/** The hosted page the sandbox serves instead of checkout.stripe.com. */
export function checkoutPageUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/_sandbox/stripe/checkout?session=${encodeURIComponent(id)}`;
}

/** POST /v1/checkout/sessions, modes `setup` and `subscription` (hosted). */
export function createCheckoutSession(ctx: StripeContext, params: Params): WireCheckoutSession {
  params.allow(
    'mode',
    'customer',
    'customer_email',
    'success_url',
    'cancel_url',
    'line_items',
    'currency',
    'payment_method_types',
    'client_reference_id',
    'metadata',
    'subscription_data',
    'setup_intent_data',
    'locale',
    'expires_at',
    'ui_mode',
    'allow_promotion_codes',
    'billing_address_collection',
    'expand',
  );
  const mode = params.oneOf('mode', ['payment', 'setup', 'subscription'] as const);
  if (mode === undefined) throw invalidRequest('Missing required param: mode.', 'mode');
  if (mode === 'payment') throw invalidRequest('The local Stripe sandbox serves Checkout in setup and subscription mode only.', 'mode');
  const uiMode = params.oneOf('ui_mode', ['hosted', 'embedded', 'custom'] as const) ?? 'hosted';
  if (uiMode !== 'hosted') throw invalidRequest('The local Stripe sandbox serves hosted Checkout only.', 'ui_mode');
  const customerId = params.string('customer');
  if (customerId !== undefined && !findCustomer(ctx, customerId)) throw noSuch('customer', customerId, 'customer', 400);
  const successUrl = optionalUrl(params, 'success_url');
  const cancelUrl = optionalUrl(params, 'cancel_url');
  const lineItems = (params.objects('line_items') ?? []).map((item, index) => {
    item.allow('price', 'quantity');
    const priceId = item.requiredString('price');
    const price = findPrice(priceId);
    if (!price) throw noSuch('price', priceId, `line_items[${index}][price]`, 400);
    return { price, quantity: item.integer('quantity', 1) ?? 1 };
  });
  let currency = params.string('currency')?.toLowerCase();
  const paymentMethodTypes = params.strings('payment_method_types');
  if (mode === 'subscription') {
    if (lineItems.length === 0 || lineItems.some(({ price }) => price.type !== 'recurring')) {
      throw invalidRequest('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
    }
    currency = lineItems[0].price.currency;
  } else {
    if (lineItems.length > 0) throw invalidRequest('You cannot pass `line_items` in `setup` mode.', 'line_items');
    if (currency === undefined && paymentMethodTypes === undefined) {
      throw invalidRequest('Missing required param: currency. It is required in setup mode when payment_method_types is not set.', 'currency');
    }
  }
  const now = ctx.model.now();
  const expiresAt = params.integer('expires_at', now + 1800, now + SESSION_LIFETIME_SECONDS) ?? now + SESSION_LIFETIME_SECONDS;
  const id = `cs_test_${stripeId('', 58).slice(1)}`;
  const amount = lineItems.reduce((sum, { price, quantity }) => sum + (price.unit_amount ?? 0) * quantity, 0);
  const session: WireCheckoutSession = {
    id,
    object: 'checkout.session',
    allow_promotion_codes: params.boolean('allow_promotion_codes') ?? null,
    amount_subtotal: mode === 'subscription' ? amount : null,
    amount_total: mode === 'subscription' ? amount : null,
    cancel_url: cancelUrl ?? null,
    client_reference_id: params.string('client_reference_id') || null,
    created: now,
    currency: currency ?? null,
    customer: customerId ?? null,
    customer_email: params.string('customer_email') || null,
    expires_at: expiresAt,
    livemode: false,
    metadata: params.metadata() ?? {},
    mode,
    payment_method_types: paymentMethodTypes ?? ['card'],
    payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
    setup_intent: mode === 'setup' ? stripeId('seti') : null,
    status: 'open',
    subscription: null,
    success_url: successUrl ?? null,
    ui_mode: 'hosted',
    url: checkoutPageUrl(ctx.baseUrl, id),
  };
  // Nested hashes are accepted (and kept) as given: nothing the sandbox does depends on them.
  params.object('subscription_data');
  params.object('setup_intent_data');
  ctx.model.state.checkoutSessions[id] = session;
  if (lineItems.length > 0) ctx.model.state.checkoutLineItems[id] = lineItems.map(({ price, quantity }) => ({ price: price.id, quantity }));
  return session;
}

function optionalUrl(params: Params, key: string): string | undefined {
  const value = params.string(key);
  if (value === undefined || value === '') return undefined;
  if (!/^https?:\/\/\S+$/.test(value)) throw invalidRequest(`Not a valid URL`, key, 'url_invalid');
  return value;
}
