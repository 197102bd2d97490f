import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { ROUTE_CONTRACTS } from '../../../lambdas/api/contract/entries';
import type { RouteDefinition } from '../../../lambdas/api/routes';
import { RouteMatcher } from '../../../local/api-gateway/route-matcher';
import { Random } from './random';
import { sigV4Headers } from './sigv4';
import { malformedStripeEvent } from './stripe-bodies';
import { hostileString, malformedBody, oversizedBody, type RawBody } from './values';

/** A real customer of the stack under test: its tokens make a request reach the handler. */
export interface FuzzCustomer {
  readonly customerId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface FuzzContext {
  /** `host:port` of the API, as the Host header carries it (SigV4 signs it). */
  readonly host: string;
  /** The route table under test (lambdas/api/routes.ts): new routes are fuzzed with no edit here. */
  readonly routes: readonly RouteDefinition[];
  /** Two customers: requests act as the first and reach for the second. */
  readonly customers: readonly [FuzzCustomer, FuzzCustomer];
  /** Bearer tokens that must be refused: expired, forged, `alg: none`, ... (see tokens.ts). */
  readonly badTokens: readonly { readonly label: string; readonly token: string }[];
  /** The stack's Stripe webhook signing secret. */
  readonly webhookSecret: string;
}

/**
 * What a case is about. `signed-webhook` (a correctly signed Stripe delivery with a malformed body) is
 * kept apart from the rest so that subset can be run or skipped on its own.
 */
export const GENERIC_KINDS = ['body', 'content-type', 'query', 'bearer', 'tenant', 'sigv4', 'webhook-signature', 'unknown-route', 'wrong-method'] as const;
export type CaseKind = (typeof GENERIC_KINDS)[number] | 'signed-webhook';

export interface FuzzCase {
  readonly index: number;
  readonly kind: CaseKind;
  /** One line for a failure report: route, what is malformed. */
  readonly label: string;
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** The statuses the API must answer, where its documented behaviour fixes them; `4xx` for any client error. */
  readonly expected?: readonly number[] | '4xx';
}

/** The route that takes Stripe's deliveries (signature over the raw body instead of a bearer token). */
export const STRIPE_WEBHOOK_ROUTE_ID = 'ReceiveStripeWebhook';

/** `FUZZ` is no HTTP method at all: refused before routing with 400 BAD_REQUEST. */
const UNKNOWN_METHOD = 'FUZZ';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE', 'SEARCH', UNKNOWN_METHOD] as const;

const CONTENT_TYPES = [
  'text/plain',
  'text/html; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/xml',
  'application/octet-stream',
  'application/jsonx',
  'json',
  '',
  ' ',
  '*/*',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'image/png',
  `application/${'x'.repeat(2_000)}`,
  Buffer.from('application/jsön', 'utf8').toString('latin1'),
] as const;

const stripeSigner = new Stripe('sk_test_fuzz_signer_only');

/**
 * Builds case `index` of the run with `seed`. Each case has its own random stream, so it is the same
 * whatever ran before it; SigV4 and Stripe signatures are made now, so they are fresh when sent.
 */
export async function buildCase(seed: number, index: number, context: FuzzContext, kinds: readonly CaseKind[]): Promise<FuzzCase> {
  const random = Random.forCase(seed, index);
  const kind = random.pick(applicableKinds(context.routes, kinds));
  const build = BUILDERS[kind];
  const draft = build(random, context);
  const body = draft.body ?? Buffer.alloc(0);
  const [pathOnly, query = ''] = draft.path.split(/\?(.*)/s);
  const headers: Record<string, string> = { ...draft.headers };
  if (draft.sign) {
    Object.assign(
      headers,
      await sigV4Headers({ method: draft.method, host: context.host, path: draft.signPath ?? pathOnly, query, headers: draft.signHeaders ?? {}, body: draft.signBody ?? body }, draft.sign),
    );
    delete headers.host;
    for (const [name, value] of Object.entries(draft.afterSigning ?? {})) headers[name] = value;
  }
  return { index, kind, label: draft.label, method: draft.method, path: draft.path, headers, body, expected: draft.expected };
}

/** The kinds that have a route to act on (no `tenant` without a customer route with a path parameter, ...). */
function applicableKinds(routes: readonly RouteDefinition[], kinds: readonly CaseKind[]): CaseKind[] {
  const has = (predicate: (route: RouteDefinition) => boolean) => routes.some(predicate);
  return kinds.filter((kind) => {
    if (kind === 'bearer') return has((route) => route.auth === 'customer');
    if (kind === 'tenant') return has((route) => route.auth === 'customer' && route.path.includes('{'));
    if (kind === 'sigv4') return has((route) => route.auth === 'iam');
    if (kind === 'webhook-signature' || kind === 'signed-webhook') return has((route) => route.id === STRIPE_WEBHOOK_ROUTE_ID);
    return true;
  });
}

interface Draft {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  readonly expected?: readonly number[] | '4xx';
  /** Sign with SigV4 (these options) over `signHeaders` and `signBody` (default: the body sent). */
  readonly sign?: Parameters<typeof sigV4Headers>[1];
  readonly signHeaders?: Record<string, string>;
  readonly signBody?: Buffer;
  /** Sign for this path instead of the one sent (a replayed signature). */
  readonly signPath?: string;
  /** Headers set after signing (a tampered request). */
  readonly afterSigning?: Record<string, string>;
}

const BUILDERS: Record<CaseKind, (random: Random, context: FuzzContext) => Draft> = {
  /** A malformed body to any route, authenticated as a real caller so it reaches the handler. */
  body(random, context) {
    const route = random.pick(context.routes);
    const raw = random.chance(0.002) ? oversizedBody() : malformedBodyFor(random, route);
    const contentType = random.weighted<string | undefined>([[8, 'application/json'], [1, undefined], [1, random.pick(CONTENT_TYPES)]]);
    return withCallerAuth(random, context, route, {
      label: `${route.method} ${route.path}: ${raw.label}${contentType === 'application/json' ? '' : ` as ${contentType ?? 'no content type'}`}`,
      method: route.method,
      path: callerPath(route, context),
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body: toBuffer(raw),
    });
  },

  /** A JSON-looking body declared as something else, or with odd extra headers. */
  'content-type'(random, context) {
    const route = random.pick(context.routes);
    const contentType = random.pick(CONTENT_TYPES);
    const extra = random.pick<Record<string, string>>([
      {},
      { 'content-encoding': 'gzip' },
      { 'content-encoding': 'br, identity' },
      { 'transfer-encoding': 'chunked' },
      { expect: '100-continue' },
      { 'x-forwarded-for': hostileAscii(random) },
      { origin: 'https://evil.example' },
      { accept: 'application/xml' },
      { 'x-http-method-override': 'DELETE' },
    ]);
    return withCallerAuth(random, context, route, {
      label: `${route.method} ${route.path}: content type "${contentType.slice(0, 40)}" ${JSON.stringify(extra)}`,
      method: route.method,
      path: callerPath(route, context),
      headers: { 'content-type': contentType, ...extra },
      body: toBuffer(random.chance(0.5) ? malformedBodyFor(random, route) : { label: '', text: '{"email":"a@b.c","password":"x"}' }),
    });
  },

  /** Query strings nobody asked for, on a real route. */
  query(random, context) {
    const route = random.pick(context.routes);
    const query = random.pick([
      'a=1',
      'customerId=' + encodeURIComponent(context.customers[1].customerId),
      '__proto__[isAdmin]=true',
      'a=%zz&b=%',
      'x=' + percentEncode(hostileString(random)),
      'a=1&a=2&a=3',
      '&&&==',
      'q=' + 'x'.repeat(4_000),
    ]);
    return withCallerAuth(random, context, route, {
      label: `${route.method} ${route.path}?${query.slice(0, 40)}`,
      method: route.method,
      path: `${callerPath(route, context)}?${query}`,
      headers: { 'content-type': 'application/json' },
      body: toBuffer(malformedBodyFor(random, route)),
    });
  },

  /** A customer route with a missing, malformed, expired or forged bearer token: 401. */
  bearer(random, context) {
    const route = random.pick(context.routes.filter((candidate) => candidate.auth === 'customer'));
    const bad = random.pick(context.badTokens);
    const authorization = random.weighted<() => string | undefined>([
      [1, () => undefined],
      [4, () => `Bearer ${bad.token}`],
      [1, () => random.pick(['', 'Bearer', 'Bearer ', 'bearer', `Basic ${Buffer.from('a:b').toString('base64')}`, `Token ${bad.token}`])],
      [1, () => `Bearer ${context.customers[0].refreshToken}`],
      [1, () => `Bearer ${context.customers[0].accessToken}x`],
      [1, () => `Bearer  ${context.customers[0].accessToken}`.replace('Bearer  ', 'Bearer\t')],
      [1, () => `Bearer ${hostileAscii(random)}`],
      [1, () => `Bearer ${'a'.repeat(random.pick([1_000, 6_000]))}`],
    ])();
    const label = authorization === undefined ? 'no Authorization' : authorization.startsWith('Bearer') && authorization.includes(bad.token) ? bad.label : authorization.slice(0, 30);
    return {
      label: `${route.method} ${route.path}: ${label}`,
      method: route.method,
      path: fillPath(route.path, context.customers[0].customerId),
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: route.method === 'GET' ? Buffer.alloc(0) : toBuffer(malformedBody(random)),
      expected: [401],
    };
  },

  /** The first customer's valid token, the second customer's (or a made-up) id in the path: never served. */
  tenant(random, context) {
    const route = random.pick(context.routes.filter((candidate) => candidate.auth === 'customer' && candidate.path.includes('{')));
    const [caller, other] = context.customers;
    const id = random.weighted<() => string>([
      [5, () => encodeURIComponent(other.customerId)],
      [1, () => encodeURIComponent(other.customerId.toUpperCase())],
      [1, () => encodeURIComponent(` ${caller.customerId}`)],
      [1, () => randomUUID()],
      [2, () => pathSegment(random)],
    ])();
    return {
      label: `${route.method} ${route.path}: customer A's token, id ${decodeSafe(id).slice(0, 40)}`,
      method: route.method,
      path: fillPath(route.path, id),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${caller.accessToken}` },
      body: route.method === 'GET' ? Buffer.alloc(0) : toBuffer(malformedBody(random)),
      expected: '4xx',
    };
  },

  /** An admin route without a signature (404, as API Gateway IAM auth), with a bad one (403), or a good one and a bad id. */
  sigv4(random, context) {
    const route = random.pick(context.routes.filter((candidate) => candidate.auth === 'iam'));
    const own = fillPath(route.path, context.customers[0].customerId);
    const base = { method: route.method, path: own, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // A valid signature reaches the handler: only with an id that is not the fixture's own (or a body the route
    // refuses), so no fuzz case suspends, resumes or retries a real customer.
    const hasId = route.path.includes('{');
    const hasBody = Boolean(ROUTE_CONTRACTS[route.id]?.request);
    const variant = random.weighted<() => Draft>(([
      [2, () => ({ ...base, label: 'no signature', expected: [404] })],
      [1, () => ({ ...base, label: 'garbage Authorization', headers: { ...base.headers, authorization: random.pick(['AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 Credential=', hostileAscii(random), `Bearer ${context.customers[0].accessToken}`]) }, expected: [403] })],
      [1, () => ({ ...base, label: 'zero signature', headers: { ...base.headers, authorization: `AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': amzDate(new Date()) }, expected: [403] })],
      [1, () => ({ ...base, label: 'signed with a wrong secret', sign: { secretAccessKey: `wrong-${random.hex(8)}` }, expected: [403] })],
      [1, () => ({ ...base, label: 'signed by an unknown access key', sign: { accessKeyId: 'AKIAFUZZFUZZFUZZFUZZ' }, expected: [403] })],
      [1, () => ({ ...base, label: 'signed for another service', sign: { service: 's3' }, expected: [403] })],
      [1, () => ({ ...base, label: 'signature expired (10 minutes old)', sign: { signingDate: minutesAgo(10) }, expected: [403] })],
      [1, () => ({ ...base, label: 'signed in the future (10 minutes)', sign: { signingDate: minutesAgo(-10) }, expected: [403] })],
      [1, () => ({ ...base, label: 'body tampered after signing', sign: {}, signBody: Buffer.from('{"a":1}'), body: Buffer.from('{"a":2}'), expected: [403] })],
      [1, () => ({ ...base, label: 'signed header tampered', sign: {}, signHeaders: { 'x-fuzz': 'a' }, afterSigning: { 'x-fuzz': 'b' }, expected: [403] })],
      [hasId ? 1 : 0, () => ({ ...base, label: 'signed for another customer, sent for this one', path: own, sign: {}, ...tamperedPath(route, context) })],
      [hasId ? 2 : 0, () => ({ ...base, label: 'valid signature, malformed customer id', path: fillPath(route.path, pathSegment(random)), sign: {}, expected: '4xx' })],
      [hasId ? 1 : 0, () => ({ ...base, label: 'valid signature, unknown customer', path: fillPath(route.path, randomUUID()), sign: {}, expected: [404] })],
      [hasBody ? 1 : 0, () => ({ ...base, label: 'valid signature, malformed body', body: toBuffer(malformedBodyFor(random, route)), sign: {}, expected: '4xx' })],
    ] as [number, () => Draft][]).filter(([weight]) => weight > 0))();
    return { ...variant, label: `${route.method} ${route.path}: ${variant.label}` };
  },

  /** Stripe deliveries whose signature does not verify: 400 INVALID_SIGNATURE. */
  'webhook-signature'(random, context) {
    const route = context.routes.find((candidate) => candidate.id === STRIPE_WEBHOOK_ROUTE_ID) as RouteDefinition;
    const payload = JSON.stringify({ id: `evt_fuzz_${random.hex(16)}`, object: 'event', type: 'customer.subscription.deleted', data: { object: { object: 'subscription', id: `sub_fuzz${random.hex(14)}` } } });
    const sign = (body: string, secret: string, timestamp?: number) => stripeSigner.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
    const now = Math.floor(Date.now() / 1000);
    const [label, body, signature] = random.pick<() => [string, string, string | undefined]>([
      () => ['no Stripe-Signature', payload, undefined],
      () => ['empty Stripe-Signature', payload, ''],
      () => ['garbage Stripe-Signature', payload, random.pick(['t=abc,v1=zz', 't=,v1=', 'v1=' + '0'.repeat(64), `t=${now}`, hostileAscii(random), `t=${now},v1=${'a'.repeat(5_000)}`])],
      () => ['signed with another secret', payload, sign(payload, `whsec_fuzz_${random.hex(16)}`)],
      () => ['signature 10 minutes old', payload, sign(payload, context.webhookSecret, now - 600)],
      () => ['body changed after signing', payload.replace('deleted', 'updated'), sign(payload, context.webhookSecret)],
      () => ['signed empty body, sent with one', payload, sign('', context.webhookSecret)],
      () => ['malformed body, no signature', malformedBody(random).text ?? '{', undefined],
    ])();
    return {
      label: `${route.method} ${route.path}: ${label}`,
      method: route.method,
      path: route.path,
      headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'stripe-signature': signature }) },
      body: Buffer.from(body),
      expected: [400],
    };
  },

  /** A correctly signed Stripe delivery whose body is malformed: a documented 4xx, or 200 recorded as ignored. */
  'signed-webhook'(random, context) {
    const route = context.routes.find((candidate) => candidate.id === STRIPE_WEBHOOK_ROUTE_ID) as RouteDefinition;
    const event = malformedStripeEvent(random, context.customers.map((customer) => customer.customerId));
    return {
      label: `${route.method} ${route.path}: ${event.label}`,
      method: route.method,
      path: route.path,
      headers: { 'content-type': 'application/json', 'stripe-signature': stripeSigner.webhooks.generateTestHeaderString({ payload: event.text, secret: context.webhookSecret }) },
      body: Buffer.from(event.text),
    };
  },

  /** A path no route has (a near miss of a real one, or made up): 404, or 405 where it is a resource after all. */
  'unknown-route'(random, context) {
    const route = random.pick(context.routes);
    const real = fillPath(route.path, context.customers[0].customerId);
    const path = random.pick([
      () => `${real}/`,
      () => `${real}/extra`,
      () => real.toUpperCase(),
      () => real.replace(/\/[^/]*$/, ''),
      () => `/${real}`,
      () => `${real}/..`,
      () => real.replace(/\//g, '//'),
      () => `${real};jsessionid=1`,
      () => `${real}%00`,
      () => `${real}%2F`,
      () => `/${pathSegment(random)}`,
      () => `/fuzz/${random.hex(8)}`,
      () => '/',
      () => '/v1/customers',
      () => '/.env',
      () => '/_sandbox/inventory',
      () => `/${'a/'.repeat(200)}`,
    ])();
    const method = random.pick(METHODS);
    // A dot segment (`/admin/customers/..`) may look like a `{customerId}` to the matcher, but the adapter refuses it
    // before routing (404): leave such paths to the generic checks.
    const dotSegment = path.split('?')[0].split('/').some((segment) => segment === '.' || segment === '..');
    const match = dotSegment ? { kind: 'dot-segment' as const } : new RouteMatcher(context.routes).match(method, path.split('?')[0]);
    // The matcher decides only what the route table decides; a path that does name a route is left to the generic checks.
    const expected =
      method === UNKNOWN_METHOD ? [400] : method === 'OPTIONS' ? undefined : match.kind === 'not-found' ? [404] : match.kind === 'method-not-allowed' ? [405] : undefined;
    return { label: `${method} ${path.slice(0, 60)}: unknown route`, method, path, headers: { 'content-type': 'application/json' }, body: method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : Buffer.from('{}'), expected };
  },

  /** A real route with a method it does not serve: 405 METHOD_NOT_ALLOWED. */
  'wrong-method'(random, context) {
    const route = random.pick(context.routes);
    const served = new Set(context.routes.filter((candidate) => candidate.path === route.path).map((candidate) => candidate.method as string));
    const method = random.pick(METHODS.filter((candidate) => !served.has(candidate) && candidate !== 'OPTIONS'));
    return withCallerAuth(random, context, route, {
      label: `${method} ${route.path}: wrong method`,
      method,
      path: callerPath(route, context),
      headers: { 'content-type': 'application/json' },
      body: method === 'HEAD' ? Buffer.alloc(0) : toBuffer(malformedBody(random)),
      expected: method === UNKNOWN_METHOD ? [400] : [405],
    });
  },
};

/** Authenticates as the real first customer (customer routes) or the operator (admin routes), so the request gets past the gateway. */
/**
 * A malformed body for this route. A route whose contract takes no body answers an empty one as the real
 * request it is (POST /admin/customers/{id}/backups backs up), so only non-empty bodies are malformed there.
 */
function malformedBodyFor(random: Random, route: RouteDefinition): RawBody {
  const takesBody = Boolean(ROUTE_CONTRACTS[route.id]?.request ?? ROUTE_CONTRACTS[route.id]?.rawRequest);
  for (;;) {
    const body = malformedBody(random);
    if (takesBody || body.bytes !== undefined || (body.text ?? '').trim() !== '') return body;
  }
}

function withCallerAuth(random: Random, context: FuzzContext, route: RouteDefinition, draft: Draft): Draft {
  if (route.auth === 'customer') return { ...draft, headers: { ...draft.headers, authorization: `Bearer ${context.customers[0].accessToken}` } };
  if (route.auth === 'iam' && random.chance(0.9)) return { ...draft, sign: {}, signHeaders: pickSignable(draft.headers) };
  return draft;
}

function pickSignable(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name === 'content-type'));
}

/** Signed for customer B's path, sent to customer A's: the signature covers the path. */
function tamperedPath(route: RouteDefinition, context: FuzzContext): Partial<Draft> {
  return { path: fillPath(route.path, context.customers[0].customerId), signPath: fillPath(route.path, context.customers[1].customerId), expected: [403] };
}

/**
 * The path a caller-authenticated case is sent to: the first customer's for customer routes; for admin routes
 * an id no customer has, so a signed operator request runs the route's checks but never suspends, resumes or
 * retries a real customer (the suite requires the data and the inventory unchanged).
 */
function callerPath(route: RouteDefinition, context: FuzzContext): string {
  return fillPath(route.path, route.auth === 'iam' ? NO_SUCH_CUSTOMER : context.customers[0].customerId);
}

const NO_SUCH_CUSTOMER = '00000000-0000-4000-8000-000000000000';

function fillPath(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

/** A path segment that is not a customer id: encoded hostile text, bad percent-escapes, traversal, very long. */
function pathSegment(random: Random): string {
  return random.pick([
    () => percentEncode(hostileString(random)).slice(0, 3_000) || '%20',
    () => random.pick(['%', '%zz', '%00', '%2F', '%2e%2e', '..', '.', '%C0%AF', '%ff%fe', 'CUSTOMER%23x', '*', '%2A', '~', 'null']),
    () => 'a'.repeat(random.pick([64, 1_025, 4_000])),
  ])();
}

/** Printable ASCII with a few characters that are legal in a header but hostile to parsers. */
function hostileAscii(random: Random): string {
  return random.string(1 + random.int(60), 'abcXYZ019=,;:"\'\\/ <>{}[]%$@!#&*()|\t');
}

/** Percent-encodes the UTF-8 bytes of any string (encodeURIComponent throws on a lone surrogate). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function toBuffer(raw: RawBody): Buffer {
  return raw.bytes ?? Buffer.from(raw.text ?? '', 'utf8');
}

function decodeSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
