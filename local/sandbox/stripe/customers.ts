import type { StripeContext } from './context';
import { noSuch } from './errors';
import { stripeId } from './ids';
import { listPage, type WireCustomer } from './model';
import type { Params } from './params';
import { changedAttributes, snapshot } from './subscriptions';
import { paging } from './prices';

/** POST /v1/customers */
export function createCustomer(ctx: StripeContext, params: Params): WireCustomer {
  params.allow('email', 'name', 'description', 'phone', 'metadata', 'preferred_locales', 'expand');
  const customer: WireCustomer = {
    id: stripeId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: ctx.model.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: params.string('description') || null,
    discount: null,
    email: params.string('email') || null,
    invoice_prefix: stripeId('', 8).slice(1).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: params.metadata() ?? {},
    name: params.string('name') || null,
    next_invoice_sequence: 1,
    phone: params.string('phone') || null,
    preferred_locales: params.strings('preferred_locales') ?? [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  ctx.model.state.customers[customer.id] = customer;
  ctx.emit('customer.created', customer);
  return customer;
}

export function findCustomer(ctx: StripeContext, id: string): WireCustomer | undefined {
  return Object.hasOwn(ctx.model.state.customers, id) ? ctx.model.state.customers[id] : undefined;
}

/** GET /v1/customers/:id */
export function retrieveCustomer(ctx: StripeContext, id: string, params: Params): WireCustomer {
  params.allow('expand');
  const customer = findCustomer(ctx, id);
  if (!customer) throw noSuch('customer', id);
  return customer;
}

/** GET /v1/customers: `email` is an exact, case-sensitive match, as in Stripe. */
export function listCustomers(ctx: StripeContext, params: Params) {
  params.allow('email', 'created', 'limit', 'starting_after', 'ending_before', 'expand', 'test_clock');
  const email = params.string('email');
  const customers = Object.values(ctx.model.state.customers).filter((customer) => email === undefined || customer.email === email);
  return listPage(customers, '/v1/customers', paging(params));
}

/**
 * POST /v1/customers/:id: email, name, description, phone, metadata and
 * `invoice_settings[default_payment_method]` (a test card such as pm_card_visa, or '' to clear).
 */
export function updateCustomer(ctx: StripeContext, id: string, params: Params): WireCustomer {
  params.allow('email', 'name', 'description', 'phone', 'metadata', 'invoice_settings', 'expand');
  const customer = findCustomer(ctx, id);
  if (!customer) throw noSuch('customer', id);
  const before = snapshot(customer);
  for (const key of ['email', 'name', 'description', 'phone'] as const) {
    if (params.has(key)) customer[key] = params.string(key) || null;
  }
  const metadata = params.metadata(customer.metadata);
  if (metadata !== undefined) customer.metadata = metadata;
  const settings = params.object('invoice_settings');
  if (settings) {
    settings.allow('default_payment_method', 'custom_fields', 'footer', 'rendering_options');
    const paymentMethod = settings.string('default_payment_method');
    if (paymentMethod !== undefined && paymentMethod !== '' && !/^pm_card_[a-z0-9_]+$/.test(paymentMethod)) {
      throw noSuch('PaymentMethod', paymentMethod, 'invoice_settings[default_payment_method]', 400);
    }
    if (paymentMethod !== undefined) customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: paymentMethod || null };
    if (settings.has('footer')) customer.invoice_settings = { ...customer.invoice_settings, footer: settings.string('footer') || null };
  }
  const previous = changedAttributes(before, customer);
  if (Object.keys(previous).length > 0) ctx.emit('customer.updated', customer, previous);
  return customer;
}
