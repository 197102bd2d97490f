import type { EdgeRequest, EdgeResponse, EdgeService } from '../../edge/edge-service';
import type { SandboxRoute } from '../../edge/server';
import type { SandboxClock } from '../clock';
import { STRIPE_API_ACTIONS, stripeApiService } from './api';
import type { StripeContext } from './context';
import { StripeApiError } from './errors';
import { StripeEvents, type WebhookSettings } from './events';
import { StripeFaultQueue } from './faults';
import { Params } from './params';
import { StripeModel } from './model';
import { renderCheckoutPage, renderPortalPage } from './pages';
import { completeSetupSession } from './setup-intents';
import { parseSimulateInput, simulate, SimulationError } from './simulate';
import { changedAttributes, createSubscription, setCancelAtPeriodEnd, snapshot } from './subscriptions';

export interface StripeSandboxSettings {
  /** The secret key the API accepts (the `secretKey` of the local `stackpro/stripe` secret). */
  readonly secretKey: string;
  /** STACKPRO_WEBHOOK_URL: where events are POSTed (undefined: recorded only). */
  readonly webhookUrl: string | undefined;
  /** STRIPE_WEBHOOK_SECRET: the signing secret. */
  readonly webhookSecret: string;
  /** The edge URL, for hosted page links when a request carries no Host header. */
  readonly publicUrl: string;
}

export interface StripeSandbox {
  /** Serves `/v1/*` (the edge routes Stripe requests here by path). */
  readonly service: EdgeService;
  /** `/_sandbox/stripe/*` control routes and hosted pages. */
  readonly routes: Readonly<Record<string, SandboxRoute>>;
  readonly faults: StripeFaultQueue;
  readonly model: StripeModel;
  readonly events: StripeEvents;
  reset(): void;
}

/** Stripe (test mode) for the local stack, its state in `<dir>/stripe.json`. */
export function createStripeSandbox(dir: string, clock: SandboxClock, settings: StripeSandboxSettings): StripeSandbox {
  const model = new StripeModel(dir, clock);
  const webhook: WebhookSettings = { url: settings.webhookUrl, secret: settings.webhookSecret };
  const events = new StripeEvents(model, webhook);
  const faults = new StripeFaultQueue(STRIPE_API_ACTIONS);
  const service = stripeApiService(model, events, faults, { secretKey: settings.secretKey, publicUrl: settings.publicUrl });

  /** Side effects of the hosted pages, with events recorded and delivered like API calls. */
  const pageContext = (): StripeContext & { flush(): Promise<void> } => {
    const emitted: Array<Parameters<StripeContext['emit']>> = [];
    return {
      model,
      apiVersion: '',
      baseUrl: settings.publicUrl,
      requestId: '',
      idempotencyKey: undefined,
      emit: (...args) => emitted.push(args),
      flush: async () => {
        const recorded = emitted.map(([type, object, previous]) => events.record(type, object, previous));
        model.save();
        if (webhook.url !== undefined) for (const stored of recorded) await events.deliver(stored);
      },
    };
  };

  const routes: Record<string, SandboxRoute> = {
    'POST /_sandbox/stripe/simulate': async (request) => {
      try {
        const input = parseSimulateInput(parseJson(request));
        return json(200, await simulate(model, events, input));
      } catch (error) {
        if (error instanceof SimulationError) return json(error.statusCode, { error: error.message });
        throw error;
      }
    },
    'GET /_sandbox/stripe/events': (request) => {
      const type = request.query.get('type');
      const listed = events.list().filter((stored) => type === null || stored.event.type === type);
      return json(200, { webhookUrl: webhook.url ?? null, events: listed });
    },
    'POST /_sandbox/stripe/deliver': async (request) => {
      const body = parseJson(request) as { eventId?: unknown } | undefined;
      if (!body || typeof body !== 'object' || typeof body.eventId !== 'string') return json(400, { error: 'The body must be JSON {"eventId": "evt_..."}' });
      const stored = events.find(body.eventId);
      if (!stored) return json(404, { error: `No event ${body.eventId}` });
      const delivery = await events.deliver(stored);
      return json(200, { eventId: stored.event.id, type: stored.event.type, ...delivery });
    },
    'GET /_sandbox/stripe/state': () => {
      const { customers, subscriptions, invoices, checkoutSessions, portalSessions, setupIntents } = model.state;
      return json(200, { customers, subscriptions, invoices, checkoutSessions, portalSessions, setupIntents, faults: faults.list() });
    },
    'GET /_sandbox/stripe/checkout': (request) => {
      const id = request.query.get('session') ?? '';
      const session = Object.hasOwn(model.state.checkoutSessions, id) ? model.state.checkoutSessions[id] : undefined;
      if (!session) return html(404, '<h1>No such checkout session</h1>');
      return html(200, renderCheckoutPage(session));
    },
    'POST /_sandbox/stripe/checkout/complete': async (request) => {
      const id = request.query.get('session') ?? '';
      const session = Object.hasOwn(model.state.checkoutSessions, id) ? model.state.checkoutSessions[id] : undefined;
      if (!session) return html(404, '<h1>No such checkout session</h1>');
      if (session.status !== 'open') return html(409, `<h1>This session is ${session.status}</h1>`);
      const customerId = typeof session.customer === 'string' ? session.customer : undefined;
      const customer = customerId !== undefined && Object.hasOwn(model.state.customers, customerId) ? model.state.customers[customerId] : undefined;
      if (!customer) return html(409, '<h1>The sandbox completes sessions created with a customer only</h1>');
      const ctx = pageContext();
      try {
        // Setup mode: the SetupIntent succeeds with the test card; making it the default is the webhook's job, as in Stripe.
        if (session.mode === 'setup') completeSetupSession(model, session, customer);
        if (session.mode === 'subscription') {
          const items = model.state.checkoutLineItems[session.id] ?? [];
          const subscription = createSubscription(
            ctx,
            new Params({ customer: customer.id, default_payment_method: 'pm_card_visa', items: items.map((item) => ({ price: item.price, quantity: String(item.quantity) })) }),
          );
          session.subscription = subscription.id;
          session.payment_status = 'paid';
        }
      } catch (error) {
        if (error instanceof StripeApiError) return html(400, `<h1>${error.message}</h1>`);
        throw error;
      }
      session.status = 'complete';
      ctx.emit('checkout.session.completed', session);
      await ctx.flush();
      const success = session.success_url?.replace('{CHECKOUT_SESSION_ID}', session.id);
      return success ? redirect(success) : html(200, '<h1>Done</h1>');
    },
    'GET /_sandbox/stripe/portal': (request) => {
      const id = request.query.get('session') ?? '';
      const session = Object.hasOwn(model.state.portalSessions, id) ? model.state.portalSessions[id] : undefined;
      if (!session) return html(404, '<h1>No such billing portal session</h1>');
      const subscriptions = Object.values(model.state.subscriptions).filter((subscription) => subscription.customer === session.customer);
      return html(200, renderPortalPage(session, subscriptions));
    },
    'POST /_sandbox/stripe/portal/cancel': async (request) => {
      const id = request.query.get('session') ?? '';
      const session = Object.hasOwn(model.state.portalSessions, id) ? model.state.portalSessions[id] : undefined;
      const subscriptionId = request.query.get('subscription') ?? '';
      const subscription = Object.hasOwn(model.state.subscriptions, subscriptionId) ? model.state.subscriptions[subscriptionId] : undefined;
      if (!session || !subscription || subscription.customer !== session.customer) return html(404, '<h1>No such subscription for this session</h1>');
      if (subscription.status !== 'canceled' && !subscription.cancel_at_period_end) {
        const ctx = pageContext();
        const before = snapshot(subscription);
        setCancelAtPeriodEnd(subscription, true, model.now());
        ctx.emit('customer.subscription.updated', subscription, changedAttributes(before, subscription));
        await ctx.flush();
      }
      return redirect(`/_sandbox/stripe/portal?session=${encodeURIComponent(session.id)}`);
    },
  };

  return {
    service,
    routes,
    faults,
    model,
    events,
    reset: () => {
      faults.clear();
      model.reset();
    },
  };
}

function parseJson(request: EdgeRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function json(statusCode: number, body: unknown): EdgeResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function html(statusCode: number, body: string): EdgeResponse {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

function redirect(location: string): EdgeResponse {
  return { statusCode: 303, headers: { location }, body: '' };
}
