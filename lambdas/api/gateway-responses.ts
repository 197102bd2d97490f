/**
 * Responses that API Gateway itself sends (before or instead of a Lambda), in our documented error shape.
 * The CDK stack installs them as gateway responses and the 405 mock integration; the local adapter sends
 * the very same bodies, so a client sees one error contract in both places.
 */
import type { ErrorCode } from '../core/error-codes';

export interface GatewayErrorResponse {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Keyed by API Gateway's `ResponseType`. */
export const GATEWAY_RESPONSES = {
  UNAUTHORIZED: { statusCode: 401, code: 'UNAUTHORIZED', message: 'A valid access token is required.' },
  ACCESS_DENIED: { statusCode: 403, code: 'FORBIDDEN', message: 'This token does not grant access to this resource.' },
  // IAM-authorized (admin) routes: a SigV4 signature that does not verify, or has expired.
  INVALID_SIGNATURE: { statusCode: 403, code: 'FORBIDDEN', message: 'The request signature is invalid.' },
  EXPIRED_TOKEN: { statusCode: 403, code: 'FORBIDDEN', message: 'The request credentials have expired.' },
  // API Gateway answers an unknown path with MISSING_AUTHENTICATION_TOKEN (403); we make it an honest 404.
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, code: 'NOT_FOUND', message: 'No such route.' },
  REQUEST_TOO_LARGE: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
  THROTTLED: { statusCode: 429, code: 'TOO_MANY_REQUESTS', message: 'Too many requests; slow down and retry.' },
  BAD_REQUEST_PARAMETERS: { statusCode: 400, code: 'VALIDATION_FAILED', message: 'A required request parameter is missing.' },
  DEFAULT_4XX: { statusCode: 400, code: 'BAD_REQUEST', message: 'The request could not be processed.' },
  DEFAULT_5XX: { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; please retry.' },
} as const satisfies Record<string, GatewayErrorResponse>;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

/** Sent by the ANY method that each route's resource carries for methods it does not serve. */
export const METHOD_NOT_ALLOWED: GatewayErrorResponse = {
  statusCode: 405,
  code: 'METHOD_NOT_ALLOWED',
  message: 'This route does not accept that method.',
};

/** The JSON body of a gateway error, byte for byte what clients receive. */
export function gatewayErrorBody(response: GatewayErrorResponse): string {
  return JSON.stringify({ error: { code: response.code, message: response.message } });
}
