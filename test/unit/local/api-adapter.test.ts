import { connect, type AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RouteDefinition } from '../../../lambdas/api/routes';
import { createApiAdapter } from '../../../local/api-adapter';
import type { LambdaHandler } from '../../../local/handler-loader';

// The adapter is an HTTP server, so these tests talk to it over loopback with fake handlers.
const ORIGIN = 'http://localhost:5173';
const routes: RouteDefinition[] = [
  { id: 'Echo', method: 'POST', path: '/echo/{id}', handler: 'fake/echo', auth: 'public', access: [] },
  { id: 'Secret', method: 'GET', path: '/secret', handler: 'fake/secret', auth: 'customer', access: [] },
  { id: 'Broken', method: 'GET', path: '/broken', handler: 'fake/broken', auth: 'public', access: [] },
  { id: 'Malformed', method: 'GET', path: '/malformed', handler: 'fake/malformed', auth: 'public', access: [] },
  { id: 'Slow', method: 'GET', path: '/slow', handler: 'fake/slow', auth: 'public', access: [] },
];

const allow = (context: object = {}) => ({
  principalId: 'cus_1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] },
  context,
});

const handlers: Record<string, LambdaHandler> = {
  'fake/echo': async (event) => {
    const e = event as APIGatewayProxyEvent;
    return {
      statusCode: 201,
      headers: { 'X-Id': e.pathParameters?.id },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: JSON.stringify({ body: e.body, isBase64Encoded: e.isBase64Encoded, query: e.queryStringParameters }),
    };
  },
  'fake/secret': async (event) => ({ statusCode: 200, body: JSON.stringify((event as APIGatewayProxyEvent).requestContext.authorizer) }),
  'fake/broken': async () => {
    throw new Error('a bug');
  },
  'fake/malformed': async () => ({ body: 'no status code' }),
  'fake/slow': () => new Promise(() => undefined),
  'api/authorize-customer': async (event) => {
    const token = (event as { authorizationToken: string }).authorizationToken;
    if (token === 'Bearer good') return allow({ customerId: 'cus_1' });
    if (token === 'Bearer other') return { ...allow(), policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: '*' }] } };
    if (token === 'Bearer crash') throw new Error('authorizer bug');
    throw new Error('Unauthorized');
  },
};

let server: Server;
let baseUrl: string;
const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);

beforeAll(async () => {
  server = createApiAdapter({
    routes,
    loadHandler: async (handlerPath) => handlers[handlerPath],
    frontendOrigin: ORIGIN,
    integrationTimeoutMs: 200,
    maxBodyBytes: 1024,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  errorLog.mockRestore();
});

/** Writes raw bytes to the adapter (requests fetch would refuse to send) and reads until it closes. */
function rawExchange(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.end(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

describe('the API Gateway adapter', () => {
  it('calls the handler with a proxy event and writes its status, headers and body', async () => {
    const response = await fetch(`${baseUrl}/echo/abc?x=1`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-id')).toBe('abc');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ body: '{"a":1}', isBase64Encoded: false, query: { x: '1' } });
  });

  it('base64-encodes a binary body for the handler', async () => {
    const response = await fetch(`${baseUrl}/echo/abc`, { method: 'POST', body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/octet-stream' } });

    expect(await response.json()).toMatchObject({ body: 'AQID', isBase64Encoded: true });
  });

  it('answers an unknown path with the 404 gateway response, with CORS', async () => {
    const response = await fetch(`${baseUrl}/nope`);

    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await errorCode(response)).toBe('NOT_FOUND');
  });

  it('reads a path starting with // as that path, not as a URL to another host (//x/echo/abc is no route)', async () => {
    const answer = await rawExchange('POST //x/echo/abc HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');

    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const response = await fetch(`${baseUrl}/echo/abc`);

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST,OPTIONS');
    expect(await errorCode(response)).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers a body over the limit with 413', async () => {
    const response = await fetch(`${baseUrl}/echo/abc`, { method: 'POST', body: 'x'.repeat(2048) });

    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['with its length declared', true],
    ['streamed (chunked)', false],
  ])('reads the rest of a much larger body (%s) before answering 413, so the client gets the answer, not a broken pipe', async (_label, declared) => {
    const size = 12 * 1024 * 1024;
    const outcome = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const seen: { status?: number; error?: string } = {};
      const req = request(`${baseUrl}/echo/abc`, { method: 'POST', headers: declared ? { 'content-length': size } : {} }, (res) => {
        seen.status = res.statusCode;
        res.resume();
      });
      req.on('error', (error) => (seen.error = error.message));
      req.on('close', () => resolve(seen));
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const write = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });

    expect(outcome).toEqual({ status: 413 });
  });

  it.each([
    ['an unknown method', 'FUZZ /echo/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'],
    ['both Content-Length and Transfer-Encoding', 'POST /echo/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}'],
  ])('answers a request the HTTP parser refuses (%s) with the documented 400, not a bare one', async (_label, raw) => {
    const answer = await rawExchange(raw);

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(JSON.parse(answer.split('\r\n\r\n')[1])).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('answers a preflight for a known path', async () => {
    const response = await fetch(`${baseUrl}/echo/abc`, { method: 'OPTIONS' });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization');
    expect(response.headers.get('access-control-max-age')).toEqual(expect.any(String));
  });

  it.each([
    ['no token', undefined, 401, 'UNAUTHORIZED'],
    ['a token the authorizer rejects', 'Bearer bad', 401, 'UNAUTHORIZED'],
    ['a token whose policy denies', 'Bearer other', 403, 'FORBIDDEN'],
    ['an authorizer that crashes', 'Bearer crash', 500, 'INTERNAL_ERROR'],
  ])('guards a customer route: %s', async (_case, token, status, code) => {
    const response = await fetch(`${baseUrl}/secret`, { headers: token ? { authorization: token } : {} });

    expect(response.status).toBe(status);
    expect(await errorCode(response)).toBe(code);
  });

  it('passes the authorizer context and principal to the handler', async () => {
    const response = await fetch(`${baseUrl}/secret`, { headers: { authorization: 'Bearer good' } });

    expect(await response.json()).toEqual({ customerId: 'cus_1', principalId: 'cus_1' });
  });

  it.each([
    ['throws', '/broken', 500],
    ['returns a malformed result', '/malformed', 502],
    ['outlives the integration timeout', '/slow', 504],
  ])('answers with the 5xx gateway response when the handler %s', async (_case, path, status) => {
    const response = await fetch(`${baseUrl}${path}`);

    expect(response.status).toBe(status);
    expect(await errorCode(response)).toBe('INTERNAL_ERROR');
  });
});
