import type { APIGatewayProxyEvent } from 'aws-lambda';
import { headerValue } from './headers';

/**
 * The absolute URL of `path` on the API the request came in through: API Gateway's domain plus the stage
 * prefix (`requestContext.path` is the full path, `event.path` the route's), or a custom domain's base path.
 */
export function apiUrl(event: APIGatewayProxyEvent, path: string): string {
  const host = event.requestContext.domainName ?? headerValue(event.headers, 'host');
  const proto = headerValue(event.headers, 'x-forwarded-proto') ?? 'https';
  const fullPath = event.requestContext.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return host ? `${proto}://${host}${prefix}${path}` : `${prefix}${path}`;
}
