import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import type { EdgeRequest, EdgeResponse, EdgeService } from '../../edge/edge-service';
import { createPortalSession } from './billing-portal-sessions';
import { createCheckoutSession } from './checkout-sessions';
import type { StripeContext } from './context';
import { createCustomer, listCustomers, retrieveCustomer, updateCustomer } from './customers';
import { invalidRequest, StripeApiError, stripeJson } from './errors';
import { EVENT_API_VERSION, type StripeEvents } from './events';
import type { StripeFaultQueue } from './faults';
import { decodeForm, FormDecodeError, type FormObject } from './form';
import { IdempotencyStore } from './idempotency';
import { renderInvoice } from './invoices';
import type { StoredEvent, StripeModel, WireInvoice, WireSubscription } from './model';
import { Params } from './params';
import { findPrice, listPrices, retrievePrice } from './prices';
import { retrieveSetupIntent } from './setup-intents';
import { cancelSubscription, createSubscription, listSubscriptions, renderSubscription, resumeSubscription, retrieveSubscription, updateSubscription } from './subscriptions';

interface StripeRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly pattern: RegExp;
  readonly action: string;
  readonly run: (ctx: StripeContext, params: Params, id: string) => object;
}

const ID = '([^/]+)';
/** The calls our code makes, by method and path. */
const ROUTES: readonly StripeRoute[] = [
  { method: 'POST', pattern: /^\/v1\/customers$/, action: 'CreateCustomer', run: (ctx, params) => createCustomer(ctx, params) },
  { method: 'GET', pattern: /^\/v1\/customers$/, action: 'ListCustomers', run: (ctx, params) => listCustomers(ctx, params) },
  { method: 'GET', pattern: new RegExp(`^/v1/customers/${ID}$`), action: 'RetrieveCustomer', run: (ctx, params, id) => retrieveCustomer(ctx, id, params) },
  { method: 'POST', pattern: new RegExp(`^/v1/customers/${ID}$`), action: 'UpdateCustomer', run: (ctx, params, id) => updateCustomer(ctx, id, params) },
  { method: 'GET', pattern: /^\/v1\/prices$/, action: 'ListPrices', run: (_ctx, params) => listPrices(params) },
  { method: 'GET', pattern: new RegExp(`^/v1/prices/${ID}$`), action: 'RetrievePrice', run: (_ctx, params, id) => retrievePrice(id, params) },
  { method: 'POST', pattern: /^\/v1\/subscriptions$/, action: 'CreateSubscription', run: (ctx, params) => createSubscription(ctx, params) },
  { method: 'GET', pattern: /^\/v1\/subscriptions$/, action: 'ListSubscriptions', run: (ctx, params) => listSubscriptions(ctx, params) },
  { method: 'GET', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), action: 'RetrieveSubscription', run: (ctx, params, id) => retrieveSubscription(ctx, id, params) },
  { method: 'POST', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), action: 'UpdateSubscription', run: (ctx, params, id) => updateSubscription(ctx, id, params) },
  { method: 'POST', pattern: new RegExp(`^/v1/subscriptions/${ID}/resume$`), action: 'ResumeSubscription', run: (ctx, params, id) => resumeSubscription(ctx, id, params) },
  { method: 'DELETE', pattern: new RegExp(`^/v1/subscriptions/${ID}$`), action: 'CancelSubscription', run: (ctx, params, id) => cancelSubscription(ctx, id, params) },
  { method: 'GET', pattern: new RegExp(`^/v1/setup_intents/${ID}$`), action: 'RetrieveSetupIntent', run: (ctx, params, id) => retrieveSetupIntent(ctx, id, params) },
  { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, action: 'CreateCheckoutSession', run: (ctx, params) => createCheckoutSession(ctx, params) },
  { method: 'POST', pattern: /^\/v1\/billing_portal\/sessions$/, action: 'CreateBillingPortalSession', run: (ctx, params) => createPortalSession(ctx, params) },
];

/** The calls the API serves, in route order: each accepts a fault (`POST /_sandbox/faults`). */
export const STRIPE_API_ACTIONS: readonly string[] = [...new Set(ROUTES.map((route) => route.action))];

export interface StripeApiSettings {
  /** The one secret key the sandbox accepts (`Authorization: Bearer <key>`). */
  readonly secretKey: string;
  /** Used for hosted page URLs when a request has no Host header. */
  readonly publicUrl: string;
}

/**
 * Stripe's v1 API on the edge port for the calls our code makes: form-encoded bodies with bracket
 * notation, JSON answers, Stripe's error bodies and statuses, Bearer secret-key auth, idempotency keys,
 * `expand`, Stripe-Version shaping, injected faults, and the events each change emits (delivered to the
 * webhook URL right after the response, as Stripe does).
 */
export function stripeApiService(model: StripeModel, events: StripeEvents, faults: StripeFaultQueue, settings: StripeApiSettings): EdgeService {
  const idempotency = new IdempotencyStore(model);
  return {
    async handle(request: EdgeRequest): Promise<EdgeResponse> {
      const requestId = `req_${randomBytes(7).toString('hex')}`;
      const apiVersion = request.headers['stripe-version'] || EVENT_API_VERSION;
      const idempotencyKey = request.method === 'POST' ? request.headers['idempotency-key'] || undefined : undefined;
      const headers: Record<string, string> = {
        'request-id': requestId,
        'stripe-version': apiVersion,
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      };
      const fail = (error: StripeApiError) => stripeJson(error.statusCode, error.toBody(), { ...headers, ...error.headers });
      try {
        authenticate(request.headers.authorization, settings.secretKey);
        const raw = decodeParams(request);
        const { route, id } = matchRoute(request.method, request.path);
        const injected = faults.take(route.action);
        if (injected) return fail(injected);
        const endpoint = `${request.method} ${request.path}`;
        if (idempotencyKey !== undefined) {
          const { replay } = idempotency.check(idempotencyKey, endpoint, raw);
          if (replay) {
            return {
              statusCode: replay.statusCode,
              headers: { 'content-type': 'application/json', ...headers, 'idempotent-replayed': 'true', 'original-request': replay.requestId },
              body: replay.body,
            };
          }
        }
        const emitted: Array<{ type: Stripe.Event.Type; object: object; previous?: Record<string, unknown> }> = [];
        const ctx: StripeContext = {
          model,
          apiVersion,
          baseUrl: request.headers.host ? `http://${request.headers.host}` : settings.publicUrl,
          requestId,
          idempotencyKey,
          emit: (type, object, previous) => emitted.push({ type, object, previous }),
        };
        const params = new Params(raw);
        const expand = params.strings('expand') ?? [];
        const result = present(model, route.run(ctx, params, id), apiVersion, expand);
        const response = stripeJson(200, result, headers);
        if (idempotencyKey !== undefined) {
          idempotency.save({ key: idempotencyKey, endpoint, statusCode: 200, body: response.body, requestId }, raw);
        }
        const recorded = emitted.map(({ type, object, previous }) =>
          events.record(type, object, previous, { id: requestId, idempotency_key: idempotencyKey ?? null }),
        );
        model.save();
        deliverLater(events, recorded);
        return response;
      } catch (error) {
        if (error instanceof StripeApiError) return fail(error);
        if (error instanceof FormDecodeError) return fail(invalidRequest(error.message, error.param));
        console.error(`[stripe] ${request.method} ${request.path} failed:`, error);
        return fail(new StripeApiError(500, 'api_error', 'An unknown error occurred in the local Stripe sandbox.'));
      }
    },
  };
}

/** After the response is on its way, in order, like Stripe's webhook dispatcher. */
function deliverLater(events: StripeEvents, recorded: readonly StoredEvent[]): void {
  if (recorded.length === 0 || events.webhookUrl === undefined) return;
  setImmediate(() => {
    void (async () => {
      for (const stored of recorded) await events.deliver(stored);
    })();
  });
}

function authenticate(authorization: string | undefined, secretKey: string): void {
  let key: string | undefined;
  if (authorization?.startsWith('Bearer ')) key = authorization.slice('Bearer '.length).trim();
  else if (authorization?.startsWith('Basic ')) key = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8').split(':')[0];
  if (!key) {
    throw new StripeApiError(
      401,
      'invalid_request_error',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://docs.stripe.com/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (key !== secretKey) {
    const redacted = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : `${key.slice(0, 3)}****`;
    throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${redacted}`, 'api_key_invalid');
  }
}

/** Query parameters (GET and DELETE, as stripe-node sends them) and form body (POST), body winning. */
function decodeParams(request: EdgeRequest): FormObject {
  const query = decodeForm(request.query);
  if (request.body.length === 0) return query;
  const contentType = (request.headers['content-type'] ?? '').toLowerCase();
  if (contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest(`Invalid request: v1 endpoints take application/x-www-form-urlencoded bodies, not ${contentType.split(';')[0]}.`);
  }
  return { ...query, ...decodeForm(request.body.toString('utf8')) };
}

function matchRoute(method: string, path: string): { route: StripeRoute; id: string } {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, id: decodeURIComponent(match[1] ?? '') };
  }
  throw new StripeApiError(
    404,
    'invalid_request_error',
    `Unrecognized request URL (${method}: ${path}). Please see https://docs.stripe.com or we can help at https://support.stripe.com/. (The local Stripe sandbox serves customers, prices, subscriptions, setup intents, checkout and billing portal sessions.)`,
  );
}

/** The response object in the caller's API version, with its `expand[]` paths resolved. */
function present(model: StripeModel, object: object, apiVersion: string, expand: readonly string[]): unknown {
  const shaped = shape(object, apiVersion);
  for (const path of expand) {
    if (path.split('.').length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property (${path}).`, 'expand');
    expandPath(model, shaped, path.split('.'), path, apiVersion);
  }
  return shaped;
}

function shape(object: object, apiVersion: string): Record<string, unknown> {
  const kind = (object as { object?: string }).object;
  if (kind === 'subscription') return renderSubscription(object as WireSubscription, apiVersion);
  if (kind === 'invoice') return renderInvoice(object as WireInvoice, apiVersion);
  if (kind === 'list') {
    const list = structuredClone(object) as { data: object[] };
    return { ...list, data: list.data.map((item) => shape(item, apiVersion)) };
  }
  return structuredClone(object) as Record<string, unknown>;
}

/** Expandable id members: `customer`, `latest_invoice`, `invoice`, `subscription`; prices are always expanded. */
function expandPath(model: StripeModel, target: unknown, segments: readonly string[], path: string, apiVersion: string): void {
  if (target === null || typeof target !== 'object') return;
  const [head, ...rest] = segments;
  const record = target as Record<string, unknown>;
  if (head === 'data' && Array.isArray(record.data)) {
    for (const item of record.data) expandPath(model, item, rest, path, apiVersion);
    return;
  }
  if (!Object.hasOwn(record, head)) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
  const value = record[head];
  if (rest.length > 0) {
    expandPath(model, value, rest, path, apiVersion);
    return;
  }
  if (value === null || typeof value === 'object') return;
  const resolved = resolve(model, head, String(value));
  if (resolved === undefined) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
  record[head] = shape(resolved, apiVersion);
}

function resolve(model: StripeModel, member: string, id: string): object | undefined {
  const { customers, invoices, subscriptions } = model.state;
  const own = <T>(records: Record<string, T>): T | undefined => (Object.hasOwn(records, id) ? records[id] : undefined);
  if (member === 'customer') return own(customers);
  if (member === 'latest_invoice' || member === 'invoice') return own(invoices);
  if (member === 'subscription') return own(subscriptions);
  if (member === 'price') return findPrice(id);
  return undefined;
}
