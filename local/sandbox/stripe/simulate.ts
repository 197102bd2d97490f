import type Stripe from 'stripe';
import type { StripeEvents } from './events';
import { addMonths, seededRandom, shuffled } from './ids';
import { failPayment, issueInvoice, payInvoice } from './invoices';
import { StripeModel, type StoredEvent, type WireCustomer, type WireInvoice, type WireSubscription } from './model';
import { createCheckoutSession } from './checkout-sessions';
import { Params } from './params';
import { completeSetupSession } from './setup-intents';
import { changedAttributes, endSubscription, setCancelAtPeriodEnd, snapshot, startNewPeriod } from './subscriptions';

export const SCENARIOS = ['trial_will_end', 'trial_ends_without_card', 'payment_fails', 'payment_recovers', 'cancel', 'delete', 'add_card'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** A simulate request the sandbox refuses, with the HTTP status of the control route's answer. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SimulateInput {
  /** OUR customer id (the Stripe customer's `metadata.customerId`), or a `cus_...` id. */
  readonly customerId: string;
  readonly scenario: Scenario;
  /** Deliver every event twice (same id and body, each freshly signed), the copies concurrently. */
  readonly duplicate: boolean;
  /** Deliver the events in a random order (reproducible with `seed`). */
  readonly shuffle: boolean;
  readonly seed?: number;
}

export interface SimulateResult {
  readonly scenario: Scenario;
  readonly subscription: { id: string; status: string; cancel_at_period_end: boolean };
  readonly deliveries: Array<{ eventId: string; type: string; status: number | null; error?: string }>;
}

/** Validates the control route's JSON body; throws SimulationError(400) with an actionable sentence. */
export function parseSimulateInput(body: unknown): SimulateInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SimulationError(400, 'The body must be a JSON object {customerId, scenario, duplicate?, shuffle?, seed?}');
  }
  const { customerId, scenario, duplicate = false, shuffle = false, seed, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new SimulationError(400, `Unknown fields: ${unknown.join(', ')}`);
  if (typeof customerId !== 'string' || customerId === '') throw new SimulationError(400, 'customerId must be our customer id (the Stripe customer metadata.customerId)');
  if (typeof scenario !== 'string' || !(SCENARIOS as readonly string[]).includes(scenario)) {
    throw new SimulationError(400, `scenario must be one of ${SCENARIOS.join(', ')}`);
  }
  if (typeof duplicate !== 'boolean') throw new SimulationError(400, 'duplicate must be true or false');
  if (typeof shuffle !== 'boolean') throw new SimulationError(400, 'shuffle must be true or false');
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) throw new SimulationError(400, 'seed must be an integer');
  return { customerId, scenario: scenario as Scenario, duplicate, shuffle, seed: seed as number | undefined };
}

interface Planned {
  readonly type: Stripe.Event.Type;
  readonly object: object;
  readonly previous?: Record<string, unknown>;
}

/**
 * Moves the customer's latest subscription as Stripe would for the scenario, records the events it
 * emits (each a snapshot) and delivers them to the webhook.
 */
export async function simulate(model: StripeModel, events: StripeEvents, input: SimulateInput): Promise<SimulateResult> {
  const customer = findOurCustomer(model, input.customerId);
  if (!customer) throw new SimulationError(404, `No Stripe customer has metadata.customerId = ${input.customerId}`);
  const subscription = latestSubscription(model, customer.id);
  if (!subscription) throw new SimulationError(404, `Stripe customer ${customer.id} (${input.customerId}) has no subscription`);
  if (input.scenario === 'add_card') {
    const recorded = [events.record('checkout.session.completed', addCard(model, customer))];
    model.save();
    const deliveries = await deliverAll(events, recorded, input);
    return { scenario: input.scenario, subscription: { id: subscription.id, status: subscription.status, cancel_at_period_end: subscription.cancel_at_period_end }, deliveries };
  }
  const before = snapshot(subscription);
  const planned = transition(model, customer, subscription, input.scenario);
  const updated = (): Planned => ({ type: 'customer.subscription.updated', object: subscription, previous: changedAttributes(before, subscription) });
  const all = planned.map((step) => (step === UPDATED ? updated() : step));
  const recorded = all.map(({ type, object, previous }) => events.record(type, object, previous));
  model.save();
  const deliveries = await deliverAll(events, recorded, input);
  return {
    scenario: input.scenario,
    subscription: { id: subscription.id, status: subscription.status, cancel_at_period_end: subscription.cancel_at_period_end },
    deliveries,
  };
}

const UPDATED = Symbol('customer.subscription.updated with previous_attributes');
type Step = Planned | typeof UPDATED;

function transition(model: StripeModel, customer: WireCustomer, subscription: WireSubscription, scenario: Scenario): Step[] {
  const now = model.now();
  const status = subscription.status;
  const refuse = (what: string): never => {
    throw new SimulationError(409, `Cannot simulate ${scenario}: subscription ${subscription.id} is ${status}${what}`);
  };
  const endTrial = () => {
    subscription.trial_end = Math.min(subscription.trial_end ?? now, now);
  };
  const openInvoice = (): WireInvoice | undefined => {
    const latest = typeof subscription.latest_invoice === 'string' ? model.state.invoices[subscription.latest_invoice] : undefined;
    return latest?.status === 'open' ? latest : undefined;
  };
  const newCycleInvoice = (): WireInvoice => {
    startNewPeriod(subscription, now);
    const invoice = issueInvoice(model, subscription, { billingReason: 'subscription_cycle', email: customer.email });
    subscription.latest_invoice = invoice.id;
    return invoice;
  };

  switch (scenario) {
    case 'trial_will_end':
      if (status !== 'trialing') refuse(' (trial_will_end is sent to trialing subscriptions)');
      return [{ type: 'customer.subscription.trial_will_end', object: subscription }];

    case 'trial_ends_without_card': {
      if (status !== 'trialing') refuse(' (only a trial can end)');
      endTrial();
      const behavior = subscription.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
      if (behavior === 'pause') {
        for (const item of subscription.items.data) item.current_period_end = subscription.trial_end ?? now;
        subscription.status = 'paused';
        return [UPDATED, { type: 'customer.subscription.paused', object: subscription }];
      }
      if (behavior === 'cancel') {
        endSubscription(subscription, now, 'cancellation_requested');
        return [{ type: 'customer.subscription.deleted', object: subscription }];
      }
      // create_invoice: the first real invoice cannot be collected without a payment method.
      const invoice = newCycleInvoice();
      failPayment(model, invoice, false);
      subscription.status = 'past_due';
      return [{ type: 'invoice.payment_failed', object: invoice }, UPDATED];
    }

    case 'payment_fails': {
      if (status === 'past_due') {
        // Smart Retries exhausted: the subscription is left unpaid (the account's default), the invoice stays open.
        const invoice = openInvoice() ?? newCycleInvoice();
        failPayment(model, invoice, true);
        subscription.status = 'unpaid';
        return [{ type: 'invoice.payment_failed', object: invoice }, UPDATED];
      }
      if (status !== 'trialing' && status !== 'active') refuse(' (payments fail for trialing, active or past_due subscriptions)');
      if (status === 'trialing') endTrial();
      const invoice = newCycleInvoice();
      failPayment(model, invoice, false);
      subscription.status = 'past_due';
      return [{ type: 'invoice.payment_failed', object: invoice }, UPDATED];
    }

    case 'payment_recovers': {
      if (status === 'paused') {
        // Resuming bills a new period at once.
        const invoice = newCycleInvoice();
        payInvoice(model, invoice);
        subscription.status = 'active';
        subscription.pause_collection = null;
        return [{ type: 'invoice.paid', object: invoice }, UPDATED, { type: 'customer.subscription.resumed', object: subscription }];
      }
      if (status === 'trialing') {
        endTrial();
        const invoice = newCycleInvoice();
        payInvoice(model, invoice);
        subscription.status = 'active';
        return [{ type: 'invoice.paid', object: invoice }, UPDATED];
      }
      if (status !== 'past_due' && status !== 'unpaid' && status !== 'incomplete') refuse(' (nothing to recover)');
      const invoice = openInvoice() ?? newCycleInvoice();
      payInvoice(model, invoice);
      subscription.status = 'active';
      if (status === 'incomplete') {
        for (const item of subscription.items.data) item.current_period_end = addMonths(item.current_period_start);
      }
      return [{ type: 'invoice.paid', object: invoice }, UPDATED];
    }

    case 'cancel':
      if (status === 'canceled' || status === 'incomplete_expired') refuse('');
      if (subscription.cancel_at_period_end) refuse(' and already set to cancel at period end');
      setCancelAtPeriodEnd(subscription, true, now);
      return [UPDATED];

    case 'add_card':
      return refuse(' (add_card is simulated through Checkout)');

    case 'delete':
      if (status === 'canceled' || status === 'incomplete_expired') refuse('');
      endSubscription(subscription, now, 'cancellation_requested');
      return [{ type: 'customer.subscription.deleted', object: subscription }];
  }
}

/**
 * The customer completes a setup-mode Checkout session (their newest open one, as POST
 * /billing/checkout-session made it, else a new one) with a test card: its SetupIntent succeeds. What
 * Stripe does next is only the `checkout.session.completed` event; the webhook makes the card the default
 * and resumes a paused subscription through the API (setup_intents, customers, subscriptions resume).
 */
function addCard(model: StripeModel, customer: WireCustomer): object {
  const open = Object.values(model.state.checkoutSessions).filter((session) => session.customer === customer.id && session.mode === 'setup' && session.status === 'open');
  const session =
    StripeModel.newestFirst(open.map((each) => ({ ...each, created: each.created ?? 0 })))[0] ??
    createCheckoutSession(
      { model, apiVersion: '', baseUrl: '', requestId: '', idempotencyKey: undefined, emit: () => undefined },
      new Params({ mode: 'setup', customer: customer.id, currency: 'usd', metadata: { customerId: customer.metadata.customerId ?? '' } }),
    );
  const stored = model.state.checkoutSessions[session.id];
  completeSetupSession(model, stored, customer);
  return stored;
}

function findOurCustomer(model: StripeModel, customerId: string): WireCustomer | undefined {
  const customers = Object.values(model.state.customers);
  return (
    customers.filter((customer) => customer.metadata.customerId === customerId).sort((a, b) => b.created - a.created)[0] ??
    customers.find((customer) => customer.id === customerId)
  );
}

function latestSubscription(model: StripeModel, stripeCustomerId: string): WireSubscription | undefined {
  const subscriptions = Object.values(model.state.subscriptions).filter((subscription) => subscription.customer === stripeCustomerId);
  // Newest first; among equal creation seconds, the one stored last.
  return subscriptions.reverse().sort((a, b) => b.created - a.created)[0];
}

/** Groups of copies (duplicates go out concurrently), groups one after another, optionally shuffled. */
async function deliverAll(events: StripeEvents, recorded: readonly StoredEvent[], input: SimulateInput): Promise<SimulateResult['deliveries']> {
  const copies = input.duplicate ? 2 : 1;
  let groups = recorded.map((stored) => Array.from({ length: copies }, () => stored));
  if (input.shuffle) groups = shuffled(groups, input.seed === undefined ? Math.random : seededRandom(input.seed));
  const deliveries: SimulateResult['deliveries'] = [];
  for (const group of groups) {
    const results = await Promise.all(group.map((stored) => events.deliver(stored)));
    results.forEach((delivery, index) => {
      const { event } = group[index];
      deliveries.push({ eventId: event.id, type: event.type, status: delivery.status, ...(delivery.error ? { error: delivery.error } : {}) });
    });
  }
  return deliveries;
}
