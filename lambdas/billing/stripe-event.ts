/**
 * What we read of a verified Stripe delivery, checked before anything is claimed or fetched. A signed
 * body is Stripe's, but it can still be JSON `null`, lack an `id`, or carry another type where we expect a
 * string (an API-version change, a test tool, a bug on either side). Each such body gets a reason code
 * (README "Stripe webhooks") and is answered 200 as ignored, since Stripe would redeliver the same bytes
 * for three days after any other answer.
 */
export type IgnoredReason =
  | 'body_not_json'
  | 'body_not_object'
  | 'id_missing'
  | 'type_missing'
  | 'data_object_missing'
  | 'object_id_invalid'
  | 'unknown_subscription'
  | 'unknown_customer'
  | 'not_our_customer'
  | 'checkout_not_usable';

/** The parts of an event every handler may rely on. */
export interface StripeEventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly object: Readonly<Record<string, unknown>>;
}

/** Stripe object ids: a short prefix, an underscore, letters and digits (never a path or a query). */
const STRIPE_ID = /^[a-z]{2,8}_[A-Za-z0-9_]{1,250}$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` if it is a Stripe id with this prefix, else undefined (never a thrown error). */
export function stripeIdOf(value: unknown, prefix: string): string | undefined {
  if (isRecord(value)) value = value.id; // an expanded object
  return typeof value === 'string' && value.startsWith(`${prefix}_`) && STRIPE_ID.test(value) ? value : undefined;
}

/** Reads a member path of unknown JSON without throwing: `read(o, 'parent', 'subscription_details')`. */
export function read(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** The envelope of a verified raw body, or why it cannot be used. */
export function parseStripeEvent(rawBody: string): { event: StripeEventEnvelope } | { ignored: IgnoredReason } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return { ignored: 'body_not_json' };
  }
  if (!isRecord(parsed)) return { ignored: 'body_not_object' };
  const { id, type } = parsed;
  if (typeof id !== 'string' || !/^evt_[A-Za-z0-9_]{1,250}$/.test(id)) return { ignored: 'id_missing' };
  if (typeof type !== 'string' || type === '' || type.length > 255) return { ignored: 'type_missing' };
  const object = read(parsed, 'data', 'object');
  if (!isRecord(object)) return { ignored: 'data_object_missing' };
  return { event: { id, type, object } };
}

/** The subscription an event is about, for the event types we subscribe to (README "Billing"). */
export function subscriptionIdOf(event: StripeEventEnvelope): string | undefined | 'invalid' {
  const kind = event.object.object;
  const raw =
    kind === 'subscription' ? event.object.id : kind === 'invoice' ? read(event.object, 'parent', 'subscription_details', 'subscription') : undefined;
  if (raw === undefined || raw === null) return undefined;
  return stripeIdOf(raw, 'sub') ?? 'invalid';
}
