import type { StripeContext } from './context';
import { noSuch } from './errors';
import { stripeId } from './ids';
import { listPage, type WireCustomer } from './model';
import type { Params } from './params';
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
