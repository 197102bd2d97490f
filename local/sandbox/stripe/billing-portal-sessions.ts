import type { StripeContext } from './context';
import { findCustomer } from './customers';
import { invalidRequest, noSuch } from './errors';
import { stripeId } from './ids';
import type { WirePortalSession } from './model';
import type { Params } from './params';

/** The page the sandbox serves instead of billing.stripe.com. */
export function portalPageUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/_sandbox/stripe/portal?session=${encodeURIComponent(id)}`;
}

/** POST /v1/billing_portal/sessions */
export function createPortalSession(ctx: StripeContext, params: Params): WirePortalSession {
  params.allow('customer', 'return_url', 'configuration', 'locale', 'flow_data', 'on_behalf_of', 'expand');
  const customerId = params.requiredString('customer');
  if (!findCustomer(ctx, customerId)) throw noSuch('customer', customerId, 'customer', 400);
  const returnUrl = params.string('return_url');
  if (returnUrl !== undefined && returnUrl !== '' && !/^https?:\/\/\S+$/.test(returnUrl)) throw invalidRequest('Not a valid URL', 'return_url', 'url_invalid');
  const id = stripeId('bps');
  const session: WirePortalSession = {
    id,
    object: 'billing_portal.session',
    configuration: params.string('configuration') ?? 'bpc_stackpro_local_default',
    created: ctx.model.now(),
    customer: customerId,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: returnUrl || null,
    url: portalPageUrl(ctx.baseUrl, id),
  };
  params.object('flow_data');
  ctx.model.state.portalSessions[id] = session;
  return session;
}
