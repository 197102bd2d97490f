import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { persisted } from '../sandbox/json-file';
import { closeServer, listen, LOCAL_HOST } from '../http-server';
import { readBody } from '../http-body';
import { jsonResponse } from './aws-json';
import type { EdgeRequest, EdgeResponse, EdgeService } from './edge-service';
import { parseCredentialScope } from './sigv4-scope';
import { unknownServiceError } from './unknown-service';

/** A `/_sandbox/*` control route (health, clock, inventory, outbox, faults, reset). */
export type SandboxRoute = (request: EdgeRequest) => Promise<EdgeResponse> | EdgeResponse;

export interface EdgeServerOptions {
  readonly port: number;
  /** Emulated services by SigV4 signing name: `states`, `secretsmanager`, `ec2`, `route53`, `ses` (SESv2), `ssm`. */
  readonly services: Readonly<Record<string, EdgeService>>;
  /** Keyed `METHOD /_sandbox/path`; health is built in. */
  readonly sandboxRoutes?: Readonly<Record<string, SandboxRoute>>;
  /**
   * Stripe's API: unsigned requests under `/v1/` (stripe-node sends `Authorization: Bearer sk_...`, not
   * SigV4) go here; Stripe itself answers a missing or wrong key with 401.
   */
  readonly stripe?: EdgeService;
}

export interface EdgeServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ERROR_CONTENT_TYPE = 'application/x-amz-json-1.1';

const BUILT_IN_ROUTES: Record<string, SandboxRoute> = {
  'GET /_sandbox/health': () => jsonResponse(200, 'application/json', { status: 'ok' }),
};

/** The one port every emulated AWS service answers on, LocalStack-style. */
export async function startEdgeServer(options: EdgeServerOptions): Promise<EdgeServer> {
  const sandboxRoutes = { ...BUILT_IN_ROUTES, ...options.sandboxRoutes };
  const server = createServer((req, res) => {
    handle(req, options.services, sandboxRoutes, options.stripe)
      // A change is on disk before it is acknowledged (one write for every request of this turn).
      .then(async (response) => {
        await persisted();
        send(res, response);
      })
      .catch((error: unknown) => {
        console.error('[edge] request failed:', error);
        send(res, jsonResponse(500, ERROR_CONTENT_TYPE, { __type: 'InternalFailure', message: String(error) }));
      });
  });
  await listen(server, options.port, 'SANDBOX_PORT');
  return { url: `http://${LOCAL_HOST}:${options.port}`, close: () => closeServer(server) };
}

async function handle(
  req: IncomingMessage,
  services: Readonly<Record<string, EdgeService>>,
  sandboxRoutes: Readonly<Record<string, SandboxRoute>>,
  stripe: EdgeService | undefined,
): Promise<EdgeResponse> {
  const url = new URL(req.url ?? '/', 'http://edge');
  const read = await readBody(req, MAX_BODY_BYTES);
  if (read.tooLarge) return unknownOperation(413, 'The request body is too large for the local sandbox');
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
  );
  const scope = parseCredentialScope(headers.authorization, url.searchParams);
  const request: EdgeRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    body: read.body,
    region: scope?.region ?? 'us-east-1',
  };
  if (url.pathname.startsWith('/_sandbox/')) {
    const route = sandboxRoutes[`${request.method} ${url.pathname}`];
    return route ? route(request) : jsonResponse(404, 'application/json', { error: `No sandbox route ${request.method} ${url.pathname}` });
  }
  if (!scope && stripe && url.pathname.startsWith('/v1/')) return stripe.handle(request);
  if (!scope) return unknownOperation(400, 'Requests to the local sandbox must be SigV4-signed, like AWS requests');
  const service = Object.hasOwn(services, scope.service) ? services[scope.service] : undefined;
  // In the caller's own protocol: the AWS CLI would print "invalid XML" for a JSON error to an XML service.
  if (!service) return unknownServiceError(scope.service, request, Object.keys(services));
  return service.handle(request);
}

function unknownOperation(statusCode: number, message: string): EdgeResponse {
  return jsonResponse(statusCode, ERROR_CONTENT_TYPE, { __type: 'UnknownOperationException', message });
}

function send(res: ServerResponse, response: EdgeResponse): void {
  if (res.headersSent) return;
  const body = Buffer.from(response.body, response.binary ? 'latin1' : 'utf8');
  res.writeHead(response.statusCode, {
    // A protocol that puts the request id in its body (EC2, Route 53) sets the matching header itself.
    'x-amzn-requestid': randomUUID(),
    ...response.headers,
    'content-length': body.length,
  });
  res.end(body);
}
