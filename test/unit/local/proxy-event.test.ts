import type { RouteDefinition } from '../../../lambdas/api/routes';
import { buildProxyEvent, formatRequestTime, isTextContent, type ProxyRequest } from '../../../local/api-gateway/proxy-event';

const route: RouteDefinition = {
  id: 'GetStatus',
  method: 'GET',
  path: '/customers/{customerId}/status',
  handler: 'api/get-customer-status',
  auth: 'customer',
  access: [],
};

const request = (overrides: Partial<ProxyRequest> = {}): ProxyRequest => ({
  method: 'GET',
  path: '/customers/cus_1/status',
  query: '',
  rawHeaders: ['Host', 'localhost:3000', 'User-Agent', 'jest'],
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
  requestId: 'req-1',
  requestTimeEpoch: Date.UTC(2026, 3, 9, 12, 34, 56),
  ...overrides,
});

describe('buildProxyEvent', () => {
  it('builds the REST proxy event with resource, path parameters and request context', () => {
    const event = buildProxyEvent(request(), route, { customerId: 'cus_1' }, { principalId: 'cus_1' });

    expect(event).toMatchObject({
      resource: '/customers/{customerId}/status',
      path: '/customers/cus_1/status',
      httpMethod: 'GET',
      pathParameters: { customerId: 'cus_1' },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        stage: 'local',
        resourcePath: '/customers/{customerId}/status',
        httpMethod: 'GET',
        authorizer: { principalId: 'cus_1' },
        identity: { sourceIp: '127.0.0.1', userAgent: 'jest' },
        requestTimeEpoch: Date.UTC(2026, 3, 9, 12, 34, 56),
        requestTime: '09/Apr/2026:12:34:56 +0000',
      },
    });
  });

  it('keeps header casing and repeated headers and query parameters', () => {
    const event = buildProxyEvent(
      request({ rawHeaders: ['X-Tag', 'a', 'X-Tag', 'b'], query: 'tag=a&tag=b&q=hello%20world' }),
      route,
      {},
      undefined,
    );

    // Like API Gateway, the adapter adds X-Forwarded-Proto (locally: http).
    expect(event.headers).toEqual({ 'X-Tag': 'b', 'X-Forwarded-Proto': 'http' });
    expect(event.multiValueHeaders).toEqual({ 'X-Tag': ['a', 'b'], 'X-Forwarded-Proto': ['http'] });
    expect(event.queryStringParameters).toEqual({ tag: 'b', q: 'hello world' });
    expect(event.multiValueQueryStringParameters).toEqual({ tag: ['a', 'b'], q: ['hello world'] });
    expect(event.pathParameters).toBeNull();
  });

  it('passes a JSON body as text', () => {
    const body = Buffer.from('{"email":"ada@example.com"}');

    const event = buildProxyEvent(request({ rawHeaders: ['Content-Type', 'application/json; charset=utf-8'], body }), route, {}, undefined);

    expect(event).toMatchObject({ body: '{"email":"ada@example.com"}', isBase64Encoded: false });
  });

  it('base64-encodes a binary body', () => {
    const body = Buffer.from([0xff, 0x00, 0x10]);

    const event = buildProxyEvent(request({ rawHeaders: ['content-type', 'application/octet-stream'], body }), route, {}, undefined);

    expect(event).toMatchObject({ body: body.toString('base64'), isBase64Encoded: true });
  });
});

describe('isTextContent', () => {
  it.each([
    [undefined, true],
    ['application/json', true],
    ['application/vnd.api+json', true],
    ['text/plain; charset=utf-8', true],
    ['application/x-www-form-urlencoded', true],
    ['image/png', false],
    ['application/octet-stream', false],
  ])('%s -> %s', (contentType, expected) => {
    expect(isTextContent(contentType)).toBe(expected);
  });
});

describe('formatRequestTime', () => {
  it('uses API Gateway format, in UTC', () => {
    expect(formatRequestTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('02/Jan/2026:03:04:05 +0000');
  });
});
