/**
 * One answer to "would trying again shortly fix this?", for every AWS, Stripe and network failure. The
 * API maps such failures to 503 (lambdas/api/http-errors.ts); workflow steps rethrow them as one error
 * name, TransientError, which every Lambda Task of every state machine retries with one policy
 * (statemachines/definition-loader.ts).
 */

/** AWS error codes that mean throttling or a failure on AWS's side, across the services we call. */
const TRANSIENT_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalServiceError',
  'TransactionConflict',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  // Stripe could not be reached, rate-limited us, or failed on its side.
  'StripeConnectionError',
  'StripeAPIError',
  'StripeRateLimitError',
]);

/** Node's socket-level failures: the request may never have arrived. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** An error's kind: its name, or for Stripe (whose errors keep `name` 'Error') its `type`. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return 'Error';
  const type = (error as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith('Stripe') ? type : error.name;
}

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_CODES.has(errorKind(error))) return true;
  const sdk = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  if (sdk.$retryable) return true;
  if (typeof sdk.$metadata?.httpStatusCode === 'number' && sdk.$metadata.httpStatusCode >= 500) return true;
  return typeof sdk.code === 'string' && NETWORK_CODES.has(sdk.code);
}

/**
 * What a workflow step throws for a transient failure. The message is the original error's kind (an AWS
 * error code such as RequestLimitExceeded), so a failure that outlasts every retry still says what it was.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(readonly kind: string, options?: { cause?: unknown }) {
    super(kind, options);
  }
}
