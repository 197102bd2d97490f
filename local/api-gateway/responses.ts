import { gatewayErrorBody, type GatewayErrorResponse } from '../../lambdas/api/gateway-responses';

/** A response the adapter writes: API Gateway's own, or a handler's after decoding. */
export interface AdapterResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** How long browsers may cache a preflight answer. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * A response API Gateway sends itself (gateway responses and the 405), with the documented body. It
 * carries the CORS origin so the browser lets the frontend read the error.
 */
export function gatewayError(
  response: GatewayErrorResponse,
  frontendOrigin: string,
  extraHeaders: Record<string, string> = {},
  statusCode = response.statusCode,
): AdapterResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'access-control-allow-origin': frontendOrigin,
      ...extraHeaders,
    },
    body: Buffer.from(gatewayErrorBody(response)),
  };
}

/** The OPTIONS answer API Gateway's CORS mock integration gives for a known resource. */
export function preflight(allowedMethods: readonly string[], frontendOrigin: string): AdapterResponse {
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': frontendOrigin,
      'access-control-allow-methods': [...allowedMethods, 'OPTIONS'].join(','),
      'access-control-allow-headers': 'Content-Type,Authorization',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
      vary: 'Origin',
    },
    body: Buffer.alloc(0),
  };
}
