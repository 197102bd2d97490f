import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * The absolute URL of `path` on the API the request came in through: API Gateway's domain plus the stage
 * prefix (`requestContext.path` is the full path, `event.path` the route's), or a custom domain's base path.
 */
export function apiUrl(event: APIGatewayProxyEvent, path: string): string {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const host = event.requestContext.domainName ?? headers.host;
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const fullPath = event.requestContext.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return host ? `${proto}://${host}${prefix}${path}` : `${prefix}${path}`;
}
