import { StripeApiError } from './errors';
import type { FormObject, FormValue } from './form';
import type { IdempotencyRecord, StripeModel } from './model';

/** Stripe keeps idempotency keys for at least 24 hours. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const MAX_KEY_LENGTH = 255;

/** Parameters compared key-order-independently (stripe-node may order hash keys differently on a retry). */
export function canonicalParams(params: FormObject): string {
  const sort = (value: FormValue): unknown => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(sort);
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sort(value[key])]),
    );
  };
  return JSON.stringify(sort(params));
}

export type IdempotencyOutcome = { readonly replay: IdempotencyRecord } | { readonly replay?: undefined };

/**
 * Stripe's idempotent requests (POST only; the key is ignored on GET and DELETE): the same key with the
 * same endpoint and parameters replays the first response (`Idempotent-Replayed: true`); with another
 * endpoint or other parameters it is refused with a 400 `idempotency_error`. Only responses of requests
 * that ran are saved: a request refused before it started (authentication, an injected fault) is not.
 */
export class IdempotencyStore {
  constructor(private readonly model: StripeModel) {}

  check(key: string, endpoint: string, params: FormObject): IdempotencyOutcome {
    if (key.length > MAX_KEY_LENGTH) {
      throw new StripeApiError(400, 'invalid_request_error', `Idempotency key length must be at most ${MAX_KEY_LENGTH} characters.`, 'idempotency_key_invalid');
    }
    this.expire();
    const stored = Object.hasOwn(this.model.state.idempotency, key) ? this.model.state.idempotency[key] : undefined;
    if (!stored) return {};
    if (stored.endpoint !== endpoint) {
      throw new StripeApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (stored.params !== canonicalParams(params)) {
      throw new StripeApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return { replay: stored };
  }

  save(record: Omit<IdempotencyRecord, 'params' | 'createdAt'>, params: FormObject): void {
    this.model.state.idempotency[record.key] = { ...record, params: canonicalParams(params), createdAt: this.model.now() };
  }

  private expire(): void {
    const cutoff = this.model.now() - IDEMPOTENCY_TTL_SECONDS;
    for (const [key, record] of Object.entries(this.model.state.idempotency)) {
      if (record.createdAt < cutoff) delete this.model.state.idempotency[key];
    }
  }
}
