/**
 * Every error code a client can receive, with its HTTP status: the one list the README's errors table,
 * the typed errors (`errors.ts`), API Gateway's own responses (`api/gateway-responses.ts`) and the fuzz
 * suite are held to. A code missing here does not type-check where it is thrown; a test keeps the README
 * table equal to this list.
 */
export const ERROR_CODES = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  INVALID_SIGNATURE: 400,
  BAD_REQUEST: 400,
  INVALID_CREDENTIALS: 401,
  INVALID_REFRESH_TOKEN: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_ATTEMPTS: 429,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
