import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { RATE_LIMITED } from '../lambdas/api/client-rate-limits';
import { GATEWAY_RESPONSES, METHOD_NOT_ALLOWED } from '../lambdas/api/gateway-responses';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES, WIDGET_PATH_PREFIX, type RouteDefinition } from '../lambdas/api/routes';
import { type AuthorizerOutcome, methodArn, runTokenAuthorizer } from './api-gateway/authorizer';
import { verifyIamSignature } from './api-gateway/iam-auth';
import { buildProxyEvent, type ProxyRequest } from './api-gateway/proxy-event';
import { fromProxyResult } from './api-gateway/proxy-result';
import { type AdapterResponse, gatewayError, preflight } from './api-gateway/responses';
import { ClientRateLimiter, clientAddress, type RateLimitSettings } from './api-gateway/rate-limiter';
import { RouteMatcher } from './api-gateway/route-matcher';
import { type HandlerLoader, loadLambdaHandler } from './handler-loader';
import { readBody } from './http-body';
import { closeServer, listen, LOCAL_HOST } from './http-server';
import { createLambdaContext } from './lambda-context';
import { FunctionConcurrency } from './function-concurrency';

export interface ApiAdapterOptions {
  /** @default ROUTES from lambdas/api/routes.ts */
  readonly routes?: readonly RouteDefinition[];
  /** @default loads `lambdas/<handler>.ts` lazily */
  readonly loadHandler?: HandlerLoader;
  /** @default CUSTOMER_AUTHORIZER_HANDLER */
  readonly authorizerHandler?: string;
  /** @default process.env.FRONTEND_ORIGIN, else http://localhost:5173 */
  readonly frontendOrigin?: string;
  /** API Gateway's REST integration timeout. @default 29_000 */
  readonly integrationTimeoutMs?: number;
  /** API Gateway's payload limit. @default 10 MiB */
  readonly maxBodyBytes?: number;
  /** One line per request on the console. @default false */
  readonly logRequests?: boolean;
  /**
   * The WAF web ACL's per-client limits (lambdas/api/client-rate-limits.ts), applied before anything else.
   * @default off (the local stack turns them on from STACKPRO_RATE_LIMIT)
   */
  readonly rateLimit?: RateLimitSettings;
  /** Replaces the limiter (tests: a fake clock). @default a ClientRateLimiter with the shared rules */
  readonly rateLimiter?: ClientRateLimiter;
  /**
   * Invocations per function at once, the rest queued (local/function-concurrency.ts). The integration
   * timeout starts when an invocation leaves the queue, as in AWS, where it would not have queued.
   * @default no limit
   */
  readonly concurrency?: FunctionConcurrency;
}

export interface ApiServer {
  readonly url: string;
  close(): Promise<void>;
}

const TEN_MEBIBYTES = 10 * 1024 * 1024;
const UNLIMITED = FunctionConcurrency.unlimited();

/**
 * An HTTP server that behaves like our API Gateway REST API with Lambda proxy integrations: same routes,
 * same authorizer, same gateway error bodies, each handler called in-process with a proxy event.
 */
export function createApiAdapter(options: ApiAdapterOptions = {}): Server {
  const settings = {
    matcher: new RouteMatcher(options.routes ?? ROUTES),
    loadHandler: options.loadHandler ?? loadLambdaHandler,
    authorizerHandler: options.authorizerHandler ?? CUSTOMER_AUTHORIZER_HANDLER,
    frontendOrigin: options.frontendOrigin ?? process.env.FRONTEND_ORIGIN ?? 'http://localhost:5173',
    integrationTimeoutMs: options.integrationTimeoutMs ?? 29_000,
    maxBodyBytes: options.maxBodyBytes ?? TEN_MEBIBYTES,
    concurrency: options.concurrency ?? UNLIMITED,
  };
  const limiter = options.rateLimit?.enabled ? (options.rateLimiter ?? new ClientRateLimiter()) : undefined;
  const trustForwardedFor = options.rateLimit?.trustForwardedFor ?? false;
  const server = createServer((req, res) => {
    const started = Date.now();
    const requestId = randomUUID();
    // Like WAF in front of API Gateway: counted and refused before routing, authorizers or handlers.
    const refusal = limiter ? rateLimited(req, limiter, trustForwardedFor, settings.frontendOrigin) : undefined;
    const answer = refusal ? Promise.resolve(refusal) : handleRequest(req, requestId, settings);
    answer
      .catch((error: unknown) => {
        console.error(`[api] ${req.method} ${req.url} failed in the local adapter:`, error);
        return gatewayError(GATEWAY_RESPONSES.DEFAULT_5XX, settings.frontendOrigin);
      })
      .then((response) => {
        write(res, response, requestId);
        if (options.logRequests) console.log(`[api] ${req.method} ${req.url} ${response.statusCode} ${Date.now() - started} ms`);
      });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerUnparsable(error, socket, settings.frontendOrigin));
  return server;
}

/** Creates the adapter and listens on the loopback interface. */
export async function startApiAdapter(port: number, options: ApiAdapterOptions = {}): Promise<ApiServer> {
  const server = createApiAdapter(options);
  await listen(server, port, 'PORT');
  return { url: `http://${LOCAL_HOST}:${port}`, close: () => closeServer(server) };
}

function rateLimited(req: IncomingMessage, limiter: ClientRateLimiter, trustForwardedFor: boolean, origin: string): AdapterResponse | undefined {
  const path = requestUrl(req).pathname;
  const decision = limiter.check(clientAddress(req, trustForwardedFor), path);
  if (decision.allowed) return undefined;
  req.resume();
  return gatewayError(RATE_LIMITED, origin, { 'retry-after': String(decision.retryAfterSeconds) });
}

/**
 * The request's URL. An origin-form target is appended to the base rather than resolved against it: `//admin/x`
 * resolved would be a protocol-relative URL to host `admin`, path `/x` (another route), where API Gateway sees `//admin/x`.
 */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  return target.startsWith('/') ? new URL(`http://api${target}`) : new URL(target, 'http://api');
}

type Settings = {
  readonly matcher: RouteMatcher;
  readonly loadHandler: HandlerLoader;
  readonly authorizerHandler: string;
  readonly frontendOrigin: string;
  readonly integrationTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly concurrency: FunctionConcurrency;
};

async function handleRequest(req: IncomingMessage, requestId: string, settings: Settings): Promise<AdapterResponse> {
  const url = requestUrl(req);
  const method = req.method ?? 'GET';
  const origin = settings.frontendOrigin;

  if (method === 'OPTIONS') {
    req.resume();
    const allowed = settings.matcher.allowedMethods(url.pathname);
    // Like the CDK preflight (lib/account-rest-api.ts): any origin on the widget's paths, whose handlers decide.
    return allowed ? preflight(allowed, url.pathname.startsWith(WIDGET_PATH_PREFIX) ? '*' : origin) : gatewayError(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN, origin);
  }
  const match = settings.matcher.match(method, url.pathname);
  if (match.kind === 'not-found') {
    req.resume();
    return gatewayError(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN, origin);
  }
  if (match.kind === 'method-not-allowed') {
    req.resume();
    return gatewayError(METHOD_NOT_ALLOWED, origin, { allow: [...match.allowedMethods, 'OPTIONS'].join(',') });
  }

  const read = await readBody(req, settings.maxBodyBytes);
  if (read.tooLarge) return gatewayError(GATEWAY_RESPONSES.REQUEST_TOO_LARGE, origin, { connection: 'close' });

  const { route } = match;
  let authorizer: APIGatewayProxyEvent['requestContext']['authorizer'] = undefined;
  if (route.auth === 'customer') {
    const outcome = await authorize(req, url.pathname, method, settings);
    if (outcome.kind !== 'allow') return authorizerFailure(outcome, route, origin);
    authorizer = outcome.context;
  }
  let iamCaller: { accessKey: string; userArn: string } | undefined;
  if (route.auth === 'iam') {
    const outcome = await verifyIamSignature({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body: read.body });
    // Like API Gateway: no signature reads as "Missing Authentication Token" (our 404), a bad one as 403.
    if (outcome.kind === 'missing') return gatewayError(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN, origin);
    if (outcome.kind === 'invalid') return gatewayError(GATEWAY_RESPONSES.INVALID_SIGNATURE, origin);
    iamCaller = outcome;
  }

  const request: ProxyRequest = {
    method,
    path: url.pathname,
    query: url.search.slice(1),
    rawHeaders: req.rawHeaders,
    body: read.body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    requestId,
    requestTimeEpoch: Date.now(),
  };
  const event = buildProxyEvent(request, route, match.pathParameters, authorizer);
  if (iamCaller) Object.assign(event.requestContext.identity, iamCaller);
  const outcome = await invokeWithTimeout(settings, route.handler, event, { functionName: route.id, awsRequestId: requestId });
  if (outcome.kind === 'timeout') {
    console.error(`[api] ${route.id} did not answer within ${settings.integrationTimeoutMs} ms (API Gateway's integration timeout)`);
    return gatewayError(GATEWAY_RESPONSES.DEFAULT_5XX, origin, {}, 504);
  }
  if (outcome.kind === 'threw') {
    // In AWS this is a 5xx and a stack trace in CloudWatch; here it is a bug to see at once.
    console.error(`[api] ${route.id} (lambdas/${route.handler}.ts) threw:`, outcome.error);
    return gatewayError(GATEWAY_RESPONSES.DEFAULT_5XX, origin);
  }
  const response = fromProxyResult(outcome.result);
  if (!response) {
    console.error(`[api] ${route.id} returned a malformed proxy result (API Gateway answers 502):`, outcome.result);
    return gatewayError(GATEWAY_RESPONSES.DEFAULT_5XX, origin, {}, 502);
  }
  return response;
}

async function authorize(req: IncomingMessage, path: string, method: string, settings: Settings): Promise<AuthorizerOutcome> {
  let authorizer;
  try {
    authorizer = await settings.loadHandler(settings.authorizerHandler);
  } catch (error) {
    return { kind: 'error', error };
  }
  const token = req.headers.authorization;
  return settings.concurrency.run(settings.authorizerHandler, () =>
    runTokenAuthorizer(authorizer, token, methodArn(method, path), createLambdaContext({ functionName: 'CustomerAuthorizer', timeoutMs: 10_000 })),
  );
}

function authorizerFailure(outcome: Exclude<AuthorizerOutcome, { kind: 'allow' }>, route: RouteDefinition, origin: string) {
  if (outcome.kind === 'unauthorized') return gatewayError(GATEWAY_RESPONSES.UNAUTHORIZED, origin);
  if (outcome.kind === 'deny') return gatewayError(GATEWAY_RESPONSES.ACCESS_DENIED, origin);
  console.error(`[api] the authorizer failed for ${route.id}:`, outcome.error);
  return gatewayError(GATEWAY_RESPONSES.DEFAULT_5XX, origin);
}

type InvokeOutcome = { kind: 'result'; result: unknown } | { kind: 'threw'; error: unknown } | { kind: 'timeout' };

async function invokeWithTimeout(
  settings: Settings,
  handlerPath: string,
  event: APIGatewayProxyEvent,
  identity: { functionName: string; awsRequestId: string },
): Promise<InvokeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut: (outcome: InvokeOutcome) => void = () => undefined;
  const timeout = new Promise<InvokeOutcome>((resolve) => {
    timedOut = resolve;
  });
  const invocation = (async (): Promise<InvokeOutcome> => {
    try {
      const result = await settings.concurrency.run(handlerPath, async () => {
        // The clock starts once the invocation has its slot (a cold start counts, as in AWS; the queue does not).
        timer = setTimeout(() => timedOut({ kind: 'timeout' }), settings.integrationTimeoutMs);
        const context: Context = createLambdaContext({ ...identity, timeoutMs: settings.integrationTimeoutMs });
        const handler = await settings.loadHandler(handlerPath);
        return handler(event, context);
      });
      return { kind: 'result', result };
    } catch (error) {
      return { kind: 'threw', error };
    }
  })();
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A request Node's HTTP parser refuses (an unknown method, broken framing, headers too large) never
 * reaches a route; Node would answer a bare 400 without a body. Like API Gateway, answer it in our
 * documented error shape (BAD_REQUEST) and close the connection, whose framing can no longer be trusted.
 */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex, frontendOrigin: string): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const response = gatewayError(GATEWAY_RESPONSES.DEFAULT_4XX, frontendOrigin, { connection: 'close' });
  const headers = Object.entries({ ...response.headers, 'content-length': String(response.body.length) }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${response.statusCode} Bad Request\r\n${headers.join('')}\r\n`), response.body]));
}

function write(res: ServerResponse, response: AdapterResponse, requestId: string): void {
  if (res.headersSent) return;
  // A 204 may carry no Content-Length at all.
  const length = response.statusCode === 204 ? {} : { 'content-length': String(response.body.length) };
  res.writeHead(response.statusCode, { ...response.headers, 'x-amzn-requestid': requestId, ...length });
  res.end(response.body);
}
