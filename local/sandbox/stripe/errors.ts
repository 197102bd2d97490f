import type { EdgeResponse } from '../../edge/edge-service';

/** Stripe's error types (the `type` member); stripe-node picks the error class from the HTTP status. */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

/**
 * A modelled Stripe API error: `{"error": {type, code, message, param, ...}}` with Stripe's status, which
 * stripe-node maps to its classes: 400/404 StripeInvalidRequestError (StripeIdempotencyError when the
 * type is idempotency_error), 401 StripeAuthenticationError, 402 StripeCardError, 403
 * StripePermissionError, 429 StripeRateLimitError, anything else StripeAPIError.
 */
export class StripeApiError extends Error {
  override readonly name = 'StripeApiError';
  constructor(
    readonly statusCode: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    /** Extra members (decline_code, doc_url...). */
    readonly extra: Readonly<Record<string, unknown>> = {},
    /** Extra response headers (Stripe-Should-Retry). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        type: this.type,
        ...(this.code === undefined ? {} : { code: this.code, doc_url: `https://docs.stripe.com/error-codes/${this.code.replace(/_/g, '-')}` }),
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
        ...this.extra,
      },
    };
  }
}

export function invalidRequest(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, code, param);
}

/** `No such customer: 'cus_x'`, 404 when the id is in the path, 400 when it is a parameter (as Stripe). */
export function noSuch(kind: string, id: string, param = 'id', statusCode = 404): StripeApiError {
  return new StripeApiError(statusCode, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);
}

export function stripeJson(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): EdgeResponse {
  return {
    statusCode,
    // Stripe pretty-prints its responses; clients parse either way.
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body, null, 2),
  };
}

/**
 * What an injected fault answers, by the `error` name the control route takes: the status, type and code
 * Stripe uses for it. `lock_timeout` carries `Stripe-Should-Retry: true` (stripe-node then retries it,
 * as with Stripe's own lock timeouts); `api_error` (500) and `conflict` (409) are retried by stripe-node
 * on its own; a plain `rate_limit` (429) is not retried by stripe-node unless Stripe says so, so it
 * reaches the caller as StripeRateLimitError.
 */
export const STRIPE_FAULT_ERRORS: Readonly<Record<string, () => StripeApiError>> = {
  rate_limit: () =>
    new StripeApiError(429, 'invalid_request_error', 'Request rate limit exceeded. Learn more about rate limits here https://docs.stripe.com/rate-limits. (injected by the StackPro sandbox)', 'rate_limit'),
  lock_timeout: () =>
    new StripeApiError(
      429,
      'invalid_request_error',
      'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. (injected by the StackPro sandbox)',
      'lock_timeout',
      undefined,
      {},
      { 'stripe-should-retry': 'true' },
    ),
  api_error: () => new StripeApiError(500, 'api_error', 'An unknown error occurred (injected by the StackPro sandbox)'),
  conflict: () =>
    new StripeApiError(409, 'invalid_request_error', 'There is currently another in-progress request using this idempotency key (injected by the StackPro sandbox)', 'idempotency_key_in_use'),
  card_declined: () => cardError('card_declined', 'Your card was declined.', 'generic_decline'),
  insufficient_funds: () => cardError('card_declined', 'Your card has insufficient funds.', 'insufficient_funds'),
  expired_card: () => cardError('expired_card', 'Your card has expired.'),
  authentication_error: () => new StripeApiError(401, 'invalid_request_error', 'Invalid API Key provided (injected by the StackPro sandbox)'),
  permission_error: () =>
    new StripeApiError(403, 'invalid_request_error', 'The provided key does not have the required permissions for this endpoint (injected by the StackPro sandbox).'),
  idempotency_error: () =>
    new StripeApiError(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with (injected by the StackPro sandbox).'),
  resource_missing: () => new StripeApiError(404, 'invalid_request_error', 'No such object (injected by the StackPro sandbox)', 'resource_missing', 'id'),
  invalid_request_error: () => invalidRequest('Invalid request (injected by the StackPro sandbox)'),
};

function cardError(code: string, message: string, declineCode?: string): StripeApiError {
  return new StripeApiError(402, 'card_error', message, code, undefined, declineCode === undefined ? {} : { decline_code: declineCode });
}
