import type { Random } from './random';
import { hostileString, wrongValue } from './values';

/**
 * Stripe event bodies that a correctly signed delivery might carry and that are still wrong: not an
 * object, no id, no data or data.object, ids of the wrong type, objects for subscriptions, invoices and
 * checkout sessions that Stripe does not know. None names a subscription Stripe holds, so no answer may
 * change an account.
 */
const EVENT_TYPES = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_succeeded',
  'checkout.session.completed',
  'payment_method.attached',
  'fuzz.unknown_type',
  '',
];

const ABSENT = Symbol('absent');

export function malformedStripeEvent(random: Random, customerIds: readonly string[]): { label: string; text: string } {
  const whole = random.weighted<() => { label: string; text: string } | undefined>([
    [1, () => ({ label: 'signed JSON null', text: 'null' })],
    [1, () => ({ label: 'signed non-object', text: JSON.stringify(random.pick([[], [{}], 'evt', 0, true, {}])) })],
    [1, () => ({ label: 'signed broken JSON', text: random.pick(['{', '{"id":"evt_1",', '', ' ', '\ufeff{}']) })],
    [12, () => undefined],
  ])();
  if (whole) return whole;

  const event: Record<string, unknown> = { object: 'event', api_version: '2025-01-27.acacia', livemode: false, created: Math.floor(Date.now() / 1000) };
  const id = random.weighted<() => unknown>([
    [3, () => ABSENT],
    [2, () => wrongValue(random)],
    [4, () => `evt_fuzz_${random.hex(16)}`],
  ])();
  if (id !== ABSENT) event.id = id;
  const type = random.chance(0.8) ? random.pick(EVENT_TYPES) : wrongValue(random);
  if (type !== undefined) event.type = type;
  const data = random.weighted<() => unknown>([
    [2, () => ABSENT],
    [2, () => wrongValue(random)],
    [2, () => ({})],
    [2, () => ({ object: random.chance(0.5) ? null : wrongValue(random) })],
    [8, () => ({ object: stripeObject(random, customerIds), ...(random.chance(0.3) ? { previous_attributes: wrongValue(random) } : {}) })],
  ])();
  if (data !== ABSENT) event.data = data;
  return { label: `signed event (${summarize(event)})`, text: JSON.stringify(event) };
}

function stripeObject(random: Random, customerIds: readonly string[]): unknown {
  const unknownId = (prefix: string) => random.weighted<() => unknown>([
    [4, () => `${prefix}_fuzz${random.hex(14)}`],
    [1, () => wrongValue(random)],
    [1, () => undefined],
  ])();
  const metadata = () =>
    random.pick([undefined, null, {}, { customerId: random.pick([...customerIds, hostileString(random)]) }, { customerId: wrongValue(random) }, wrongValue(random)]);
  return random.pick([
    () => ({ object: 'subscription', id: unknownId('sub'), customer: unknownId('cus'), status: random.pick(['active', 'past_due', 'canceled', 'unpaid', 'paused', hostileString(random)]), metadata: metadata() }),
    () => ({ object: 'invoice', id: unknownId('in'), parent: random.pick([undefined, null, {}, { subscription_details: random.pick([null, {}, { subscription: unknownId('sub') }, { subscription: { id: unknownId('sub') } }]) }, wrongValue(random)]) }),
    () => ({ object: 'checkout.session', id: unknownId('cs'), mode: random.pick(['setup', 'payment', wrongValue(random)]), customer: unknownId('cus'), setup_intent: unknownId('seti'), metadata: metadata() }),
    () => ({ object: random.pick(['subscription', 'invoice', 'checkout.session', 'customer', hostileString(random)]), ...(random.chance(0.5) ? { id: wrongValue(random) } : {}) }),
    () => wrongValue(random),
  ])();
}

function summarize(event: Record<string, unknown>): string {
  const data = event.data as { object?: { object?: unknown } } | undefined;
  const parts = [
    'id' in event ? (typeof event.id === 'string' ? 'id' : `id ${typeof event.id}`) : 'no id',
    typeof event.type === 'string' ? event.type || 'empty type' : `type ${typeof event.type}`,
    !('data' in event) ? 'no data' : typeof data !== 'object' || data === null ? 'data not an object' : !data.object ? 'no data.object' : `object ${String(data.object.object)}`,
  ];
  return parts.join(', ');
}
