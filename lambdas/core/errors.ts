/**
 * One error class per failure a client can cause or meet. Each carries its HTTP status and machine-readable
 * code; `lambdas/api/http-errors.ts` is the one place that turns them into responses. Anything else thrown
 * is a bug and becomes a generic 500 without internals.
 */
import type { ErrorCode } from './error-codes';

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: ErrorCode;
  readonly details?: readonly FieldIssue[];
  /** Extra response headers, e.g. `Retry-After` or `Allow`. */
  readonly headers?: Readonly<Record<string, string>>;

  constructor(message: string, options?: { details?: readonly FieldIssue[]; headers?: Record<string, string> }) {
    super(message);
    this.name = new.target.name;
    this.details = options?.details;
    this.headers = options?.headers;
  }
}

export class InvalidJsonError extends AppError {
  readonly statusCode = 400;
  readonly code = 'INVALID_JSON';
  constructor() {
    super('The request body is not valid JSON.');
  }
}

export class ValidationError extends AppError {
  readonly statusCode = 400;
  readonly code = 'VALIDATION_FAILED';
  constructor(details: readonly FieldIssue[]) {
    super('Some fields are missing or invalid.', { details });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly statusCode = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor() {
    super('Send the request body as application/json.');
  }
}

export class PayloadTooLargeError extends AppError {
  readonly statusCode = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(limitBytes: number) {
    super(`The request body must not exceed ${limitBytes} bytes.`);
  }
}

export class EmailTakenError extends AppError {
  readonly statusCode = 409;
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('An account with this email already exists.', { details: [{ field: 'email', message: 'Already registered.' }] });
  }
}

export class InvalidCredentialsError extends AppError {
  readonly statusCode = 401;
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('The email or password is incorrect.');
  }
}

export class TooManyAttemptsError extends AppError {
  readonly statusCode = 429;
  readonly code = 'TOO_MANY_ATTEMPTS';
  constructor(retryAfterSeconds: number) {
    super('Too many sign-in attempts for this email; try again after Retry-After seconds.', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

export class InvalidRefreshTokenError extends AppError {
  readonly statusCode = 401;
  readonly code = 'INVALID_REFRESH_TOKEN';
  constructor() {
    super('The refresh token is invalid, expired or already used; sign in again.');
  }
}

export class UnauthorizedError extends AppError {
  readonly statusCode = 401;
  readonly code = 'UNAUTHORIZED';
  constructor() {
    super('A valid access token is required.');
  }
}

export class NotFoundError extends AppError {
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
  constructor(what = 'resource') {
    super(`No such ${what}.`);
  }
}

/** An operation that needs the customer in another state (e.g. retrying provisioning that has not failed). */
export class InvalidStateError extends AppError {
  readonly statusCode = 409;
  readonly code = 'INVALID_STATE';
  constructor(message: string) {
    super(message);
  }
}

/** An operation refused because another workflow is running on the customer (e.g. a restore while a suspend runs). */
export class WorkflowRunningError extends AppError {
  readonly statusCode = 409;
  readonly code = 'WORKFLOW_RUNNING';
  constructor(message: string) {
    super(message);
  }
}

/** A Stripe webhook whose Stripe-Signature does not verify against its raw body (or is too old). */
export class InvalidSignatureError extends AppError {
  readonly statusCode = 400;
  readonly code = 'INVALID_SIGNATURE';
  constructor() {
    super('The Stripe-Signature header does not match the body, or the event is too old.');
  }
}

/** A dependency (Step Functions, DynamoDB) failed after its retries; the client may retry later. */
export class ServiceUnavailableError extends AppError {
  readonly statusCode = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(retryAfterSeconds = 5) {
    super('The service is briefly unavailable; nothing was saved, please retry.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** A verification token that is unknown, expired, or whose account is gone. */
export class InvalidVerificationTokenError extends AppError {
  readonly statusCode = 400;
  readonly code = 'INVALID_VERIFICATION_TOKEN';
  constructor() {
    super('The verification link is invalid or has expired; ask for a new one.');
  }
}

/** A customer route other than status, resend and logout-all, called before the account's email is verified. */
export class EmailNotVerifiedError extends AppError {
  readonly statusCode = 403;
  readonly code = 'EMAIL_NOT_VERIFIED';
  constructor() {
    super('Verify your email address first: follow the link we sent you.');
  }
}

/** More verification emails asked for than the hourly limit allows. */
export class VerificationEmailLimitError extends AppError {
  readonly statusCode = 429;
  readonly code = 'TOO_MANY_REQUESTS';
  constructor(retryAfterSeconds: number) {
    super('Too many verification emails requested; try again later.', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

/**
 * The deployed webhook secret is still the placeholder (or not a `whsec_` secret): every delivery is
 * refused, since anyone can sign with a public value. 503 so Stripe keeps retrying (up to 3 days) and the
 * events arrive once an operator has put the real secret; an alarm tells them to.
 */
export class WebhookNotConfiguredError extends AppError {
  readonly statusCode = 503;
  readonly code = 'WEBHOOK_NOT_CONFIGURED';
  constructor() {
    super('Stripe webhooks are not configured on this deployment yet.', { headers: { 'Retry-After': '300' } });
  }
}

/** A password-reset token that is unknown, expired, already used or older than the last password change. */
export class InvalidResetTokenError extends AppError {
  readonly statusCode = 400;
  readonly code = 'INVALID_RESET_TOKEN';
  constructor() {
    super('This password-reset link is invalid, expired or already used; ask for a new one.', {
      details: [{ field: 'token', message: 'Invalid, expired or already used.' }],
    });
  }
}

/** A messaging route called by an account whose plan has no messaging (starter). */
export class PlanRequiredError extends AppError {
  readonly statusCode = 403;
  readonly code = 'PLAN_REQUIRED';
  constructor() {
    super('Messaging comes with the business and enterprise plans; upgrade to use it.');
  }
}

/** Free text to a WhatsApp contact who has not written in the last 24 hours: only an approved template may go. */
export class TemplateRequiredError extends AppError {
  readonly statusCode = 409;
  readonly code = 'TEMPLATE_REQUIRED';
  constructor() {
    super('The contact last wrote more than 24 hours ago: WhatsApp allows only an approved template now (send {template: {name, language}}).');
  }
}

/** Sending while the account is suspended (or being suspended or cancelled). */
export class MessagingSuspendedError extends AppError {
  readonly statusCode = 409;
  readonly code = 'MESSAGING_SUSPENDED';
  constructor() {
    super('The account is suspended: messages can be read but not sent until it is resumed.');
  }
}

/** The account's numbers are not provisioned yet (or were released). */
export class ChannelsNotReadyError extends AppError {
  readonly statusCode = 409;
  readonly code = 'CHANNELS_NOT_READY';
  constructor() {
    super('The messaging channels of this account are not set up yet; try again once provisioning has finished.');
  }
}

/** A plan change while another one (to a different plan) is still pending. */
export class PlanChangePendingError extends AppError {
  readonly statusCode = 409;
  readonly code = 'PLAN_CHANGE_PENDING';
  constructor(pendingPlan: string) {
    super(`A change to ${pendingPlan} is still in progress; try again once it has finished.`, { details: [{ field: 'plan', message: `Pending: ${pendingPlan}.` }] });
  }
}

/** A downgrade to a plan whose limits the account's measured use exceeds; `details` names each. */
export class PlanInUseError extends AppError {
  readonly statusCode = 409;
  readonly code = 'PLAN_IN_USE';
  constructor(details: readonly FieldIssue[]) {
    super('The account uses more than the target plan includes.', { details });
  }
}

/** A plan change to the plan the account is on already (and nothing pending): nothing to do. */
export class PlanUnchangedError extends AppError {
  readonly statusCode = 409;
  readonly code = 'PLAN_UNCHANGED';
  constructor(plan: string) {
    super(`The account is on ${plan} already.`, { details: [{ field: 'plan', message: `Already ${plan}.` }] });
  }
}

/** A widget route without a valid visitor token of this widget (missing, forged, expired, another widget's). */
export class VisitorTokenInvalidError extends AppError {
  readonly statusCode = 401;
  readonly code = 'VISITOR_TOKEN_INVALID';
  constructor() {
    super('No valid visitor token for this chat: start again without one (POST .../visitors).');
  }
}

/** A widget route from a page origin the business has not allowed (or with no Origin at all). */
export class WidgetOriginNotAllowedError extends AppError {
  readonly statusCode = 403;
  readonly code = 'WIDGET_ORIGIN_NOT_ALLOWED';
  constructor() {
    super('This chat is not enabled on this website.');
  }
}

/** The business's account cannot take chat messages (suspended, cancelled, or a plan without messaging). */
export class WidgetUnavailableError extends AppError {
  readonly statusCode = 403;
  readonly code = 'WIDGET_UNAVAILABLE';
  constructor() {
    super('This chat is not available right now.');
  }
}

/** Too many widget messages from one visitor, or new visitors on one key, within the window. */
export class WidgetRateLimitedError extends AppError {
  readonly statusCode = 429;
  readonly code = 'WIDGET_RATE_LIMITED';
  constructor(retryAfterMs: number) {
    super('Too many messages; wait a moment and try again.', { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } });
  }
}
