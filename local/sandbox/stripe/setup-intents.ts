import type { StripeContext } from './context';
import { noSuch } from './errors';
import { stripeId } from './ids';
import type { StripeModel, WireCheckoutSession, WireCustomer, WireSetupIntent } from './model';
import type { Params } from './params';

/** The card every sandbox checkout collects (one of Stripe's test payment methods). */
export const SANDBOX_CARD = 'pm_card_visa';

/** GET /v1/setup_intents/:id */
export function retrieveSetupIntent(ctx: StripeContext, id: string, params: Params): WireSetupIntent {
  params.allow('expand', 'client_secret');
  const intent = Object.hasOwn(ctx.model.state.setupIntents, id) ? ctx.model.state.setupIntents[id] : undefined;
  if (!intent) throw noSuch('setup_intent', id);
  return intent;
}

/**
 * What completing a setup-mode Checkout session does in Stripe: its SetupIntent succeeds with the collected
 * card attached to the customer. Checkout does NOT make that card the customer's default payment method;
 * the webhook for `checkout.session.completed` does (lambdas/services/apply-checkout-completed.ts).
 */
export function completeSetupSession(model: StripeModel, session: WireCheckoutSession, customer: WireCustomer): WireSetupIntent {
  const id = typeof session.setup_intent === 'string' ? session.setup_intent : stripeId('seti');
  const intent: WireSetupIntent = {
    id,
    object: 'setup_intent',
    client_secret: `${id}_secret_${stripeId('', 16).slice(1)}`,
    created: model.now(),
    customer: customer.id,
    description: null,
    last_setup_error: null,
    livemode: false,
    metadata: {},
    payment_method: SANDBOX_CARD,
    payment_method_types: session.payment_method_types ?? ['card'],
    status: 'succeeded',
    usage: 'off_session',
  };
  model.state.setupIntents[id] = intent;
  session.setup_intent = id;
  session.status = 'complete';
  return intent;
}
