import { AppError, ServiceUnavailableError } from '../core/errors';
import { errorKind, isTransient } from '../core/transient-errors';
import { logger } from '../observability';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: readonly { field: string; message: string }[] };
}

/**
 * The one mapping from thrown errors to HTTP responses. Our typed errors carry their status and code;
 * transient AWS failures become 503; anything else is a bug: logged (name and stack, never the request)
 * and answered with a bare 500 that reveals nothing.
 */
export function toErrorResponse(error: unknown): { statusCode: number; headers: Record<string, string>; body: ErrorBody } {
  if (error instanceof AppError) {
    return {
      statusCode: error.statusCode,
      headers: { ...error.headers },
      body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
    };
  }
  if (isTransient(error)) {
    logger.warn('Dependency unavailable', { errorName: errorKind(error) });
    return toErrorResponse(new ServiceUnavailableError());
  }
  logger.error('Unhandled error', { errorName: error instanceof Error ? error.name : typeof error, stack: error instanceof Error ? error.stack : undefined });
  return {
    statusCode: 500,
    headers: {},
    body: { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; please retry.' } },
  };
}
