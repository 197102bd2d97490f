/**
 * Every error code a client can receive, with its HTTP status, when it happens and its headers: the one
 * list that the README's errors table, the typed errors (`errors.ts`), API Gateway's own responses
 * (`api/gateway-responses.ts`), the OpenAPI document (`api/contract`) and the fuzz suite are held to. A
 * code missing here does not type-check where it is thrown; a test keeps the README table equal to it.
 */
export interface ErrorContract {
  readonly status: number;
  readonly when: string;
  /** Response headers that come with this error, and what they mean. */
  readonly headers?: Readonly<Record<string, string>>;
}

const RETRY_AFTER = { 'Retry-After': 'Seconds to wait before retrying.' };

export const ERROR_CODES = {
  INVALID_JSON: { status: 400, when: 'The body is not valid JSON (or is empty).' },
  VALIDATION_FAILED: { status: 400, when: 'Missing, mistyped, too long, invalid or unknown fields; `details` names each one.' },
  INVALID_SIGNATURE: { status: 400, when: 'The `Stripe-Signature` does not verify against the raw body, or is older than 5 minutes.' },
  INVALID_VERIFICATION_TOKEN: { status: 400, when: 'The verification token is unknown, older than 24 hours, or of an unverified account past its 7 days.' },
  INVALID_RESET_TOKEN: { status: 400, when: 'The password-reset token is unknown, older than 1 hour, already used, or older than the last password change.' },
  BAD_REQUEST: { status: 400, when: 'API Gateway could not process the request.' },
  INVALID_CREDENTIALS: { status: 401, when: 'Wrong password or unknown email (the same answer and timing for both).' },
  INVALID_REFRESH_TOKEN: { status: 401, when: 'The refresh token is unknown, expired, already spent (its family is then revoked) or revoked.' },
  UNAUTHORIZED: { status: 401, when: 'No valid access token (missing, malformed, expired or forged).' },
  VISITOR_TOKEN_INVALID: { status: 401, when: 'A widget route without a valid visitor token of this widget (missing, malformed, expired, forged, or issued by another customer\'s widget).' },
  FORBIDDEN: { status: 403, when: 'The token or SigV4 signature does not grant this route, is invalid or has expired.' },
  PLAN_REQUIRED: { status: 403, when: 'A messaging route on a plan without messaging (starter).' },
  EMAIL_NOT_VERIFIED: { status: 403, when: 'A customer route (other than status, resend and logout-all) before the account\'s email is verified.' },
  WIDGET_ORIGIN_NOT_ALLOWED: { status: 403, when: 'A widget route called from a page whose `Origin` is not in the business\'s allowlist (`PUT /messaging/widget`), or without an `Origin`.' },
  WIDGET_UNAVAILABLE: { status: 403, when: 'The business\'s live chat is off: its account is suspended, cancelled or on a plan without messaging; nothing is recorded.' },
  NOT_FOUND: { status: 404, when: 'No such resource (or not the caller\'s: the same answer), or no such route.' },
  METHOD_NOT_ALLOWED: { status: 405, when: 'A known path with a method it does not serve; `Allow` lists those it does.' },
  EMAIL_TAKEN: { status: 409, when: 'An account with this email already exists (`details[0].field` is `email`).' },
  INVALID_STATE: { status: 409, when: 'The account is not in a state that allows this (e.g. billing not set up yet, provisioning not failed).' },
  TEMPLATE_REQUIRED: { status: 409, when: 'Free text to a WhatsApp contact who last wrote over 24 hours ago: send an approved `template` instead.' },
  MESSAGING_SUSPENDED: { status: 409, when: 'Sending a message while the account is suspended, being suspended or cancelled.' },
  CHANNELS_NOT_READY: { status: 409, when: 'The account\'s SMS and WhatsApp numbers are not provisioned yet (or were released).' },
  PLAN_CHANGE_PENDING: { status: 409, when: 'Another plan change is still pending (its resize has not finished); `details[0].field` is `plan`.' },
  PLAN_UNCHANGED: { status: 409, when: 'A plan change to the plan the account is already on (a retry after the change completed); nothing is done.' },
  PLAN_IN_USE: { status: 409, when: 'A downgrade to a plan smaller than what the account uses (e.g. disk used above the plan\'s volume); `details` names each use.' },
  WORKFLOW_RUNNING: { status: 409, when: 'Another workflow (provisioning, suspend, resume, a restore of another recovery point, ...) is running on this customer; retry once it has ended.' },
  PAYLOAD_TOO_LARGE: { status: 413, when: 'The body is over 64 KB (our limit; 256 KB for Stripe webhooks) or 10 MB (API Gateway\'s).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, when: 'The body is declared as something other than JSON.' },
  TOO_MANY_ATTEMPTS: { status: 429, when: 'Too many failed logins for this email: refused for a cool-down, even with the right password.', headers: RETRY_AFTER },
  TOO_MANY_REQUESTS: { status: 429, when: 'API Gateway throttling, or a fourth verification resend within an hour; slow down and retry.', headers: RETRY_AFTER },
  WIDGET_RATE_LIMITED: { status: 429, when: 'Too many widget messages from this visitor, or too many new visitors on this widget key, in the last minute.', headers: RETRY_AFTER },
  INTERNAL_ERROR: { status: 500, when: 'A bug on our side; the body never carries internals.' },
  WEBHOOK_NOT_CONFIGURED: { status: 503, when: 'The deployment\'s Stripe webhook secret is still the placeholder: every delivery is refused until an operator puts the real one.', headers: RETRY_AFTER },
  SERVICE_UNAVAILABLE: { status: 503, when: 'A dependency is briefly down; nothing was saved, retry after `Retry-After`.', headers: RETRY_AFTER },
} as const satisfies Record<string, ErrorContract>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
