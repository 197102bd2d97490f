import type { RouteDefinition } from '../../../lambdas/api/routes';
import { RouteMatcher } from '../../../local/api-gateway/route-matcher';

const route = (id: string, method: RouteDefinition['method'], path: string): RouteDefinition => ({
  id,
  method,
  path,
  handler: `api/${id}`,
  auth: 'public',
  access: [],
});

const matcher = new RouteMatcher([
  route('GetHealth', 'GET', '/health'),
  route('GetStatus', 'GET', '/customers/{customerId}/status'),
  route('GetMyStatus', 'GET', '/customers/me/status'),
  route('PutStatus', 'PUT', '/customers/{customerId}/status'),
]);

describe('RouteMatcher', () => {
  it('matches a literal path', () => {
    expect(matcher.match('GET', '/health')).toMatchObject({ kind: 'route', route: { id: 'GetHealth' }, pathParameters: {} });
  });

  it('extracts and decodes path parameters', () => {
    expect(matcher.match('GET', '/customers/cus%20123/status')).toMatchObject({
      kind: 'route',
      route: { id: 'GetStatus' },
      pathParameters: { customerId: 'cus 123' },
    });
  });

  it('prefers a literal segment over a parameter, as API Gateway does', () => {
    expect(matcher.match('GET', '/customers/me/status')).toMatchObject({ route: { id: 'GetMyStatus' } });
  });

  it('does not fall back to a less specific resource for a method the best one lacks', () => {
    expect(matcher.match('PUT', '/customers/me/status')).toEqual({
      kind: 'method-not-allowed',
      resourcePath: '/customers/me/status',
      allowedMethods: ['GET'],
    });
  });

  it('reports the methods a resource allows for a wrong method', () => {
    expect(matcher.match('DELETE', '/customers/cus_1/status')).toMatchObject({
      kind: 'method-not-allowed',
      allowedMethods: ['GET', 'PUT'],
    });
  });

  it.each(['/nope', '/health/extra', '/customers//status', '/'])('does not match %s', (path) => {
    expect(matcher.match('GET', path)).toEqual({ kind: 'not-found' });
  });

  it('lists allowed methods for a preflight', () => {
    expect(matcher.allowedMethods('/customers/cus_1/status')).toEqual(['GET', 'PUT']);
    expect(matcher.allowedMethods('/nope')).toBeUndefined();
  });
});
