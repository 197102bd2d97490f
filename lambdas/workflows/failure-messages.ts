import { createHash, randomBytes } from 'node:crypto';
import { logger } from '../observability';

/**
 * Customer-safe failure messages: the one place that decides what a failure says in the status route and
 * the step log. Only text we wrote gets out. Our own typed errors (lambdas/provisioning/errors.ts,
 * lambdas/lifecycle/errors.ts, lambdas/workflows/errors.ts) keep their message; a known AWS error code becomes a short sentence; anything
 * else becomes "an internal error (reference <id>)", and the raw name and message (which in AWS carry
 * account ids and ARNs) go to the log under that reference, for support to find.
 */

/** Names of the errors our steps throw with messages we wrote (test/unit pins this to the error modules). */
export const OUR_ERRORS: ReadonlySet<string> = new Set([
  'CustomerNotFoundError',
  'InstanceCapacityError',
  'InstanceLostError',
  'DeploymentFailedError',
  'StaleExecutionError',
  'CustomerStatusConflictError',
  'InstanceNotFoundError',
  'SnapshotFailedError',
  'NotReadyError',
  'CapacityWaitExpiredError',
  'AppsNotAnsweringError',
  'ResizeStoppedError',
  'FileSystemGrowthError',
  'PlanChangeMismatchError',
  'RestoreJobFailedError',
  'RecoveryPointNotOwnedError',
  'RecoveryPointNotReadyError',
  'RestoreNotClaimedError',
  'VolumeSwapError',
  'RestoreStoppedError',
  'AppsUnhealthyError',
  'AppCommandFailedError',
  'UpdateNotStartedError',
]);

const SLOW_DOWN = 'AWS asked us to slow down; the step is retried.';
const UNAVAILABLE = 'An AWS service was briefly unavailable.';
const NOT_ALLOWED = 'A permission is missing on our side; our team has been alerted.';
const ACCOUNT_LIMIT = 'An AWS account limit was reached; our team has been alerted.';
const TOO_SLOW = 'The step took longer than it is allowed to.';
const STILL_UNAVAILABLE = 'A service we depend on stayed unavailable after several retries.';

/** AWS (and Step Functions) error codes we recognise, each as one sentence that names no resource. */
export const KNOWN_ERROR_CODES: Readonly<Record<string, string>> = {
  // EC2
  InsufficientInstanceCapacity: 'AWS has no capacity for this server size right now.',
  InsufficientAddressCapacity: 'AWS has no public address for the server right now.',
  InstanceLimitExceeded: ACCOUNT_LIMIT,
  VcpuLimitExceeded: ACCOUNT_LIMIT,
  RequestLimitExceeded: SLOW_DOWN,
  UnauthorizedOperation: NOT_ALLOWED,
  'InvalidInstanceID.NotFound': 'The server could not be found.',
  // Route 53
  PriorRequestNotComplete: 'The previous DNS change is still being applied.',
  InvalidChangeBatch: 'The DNS change was refused.',
  NoSuchChange: 'The DNS change could not be found.',
  NoSuchHostedZone: 'The DNS zone for customer subdomains is missing; our team has been alerted.',
  // SES
  LimitExceededException: ACCOUNT_LIMIT,
  AlreadyExistsException: 'The email identity already exists.',
  NotFoundException: 'Something this step needs no longer exists.',
  MessageRejected: 'The mail service refused the email.',
  AccountSuspendedException: 'Our email sending is paused; our team has been alerted.',
  SendingPausedException: 'Our email sending is paused; our team has been alerted.',
  // Systems Manager
  InvalidInstanceId: 'The server is not ready to receive the deployment yet.',
  InvalidDocument: 'The deployment document is missing; our team has been alerted.',
  ParameterLimitExceeded: ACCOUNT_LIMIT,
  TooManyTagsError: ACCOUNT_LIMIT,
  // Any service
  AccessDenied: NOT_ALLOWED,
  AccessDeniedException: NOT_ALLOWED,
  Throttling: SLOW_DOWN,
  ThrottlingException: SLOW_DOWN,
  TooManyRequestsException: SLOW_DOWN,
  ServiceUnavailable: UNAVAILABLE,
  ServiceUnavailableException: UNAVAILABLE,
  ServiceUnavailableError: UNAVAILABLE,
  InternalError: UNAVAILABLE,
  InternalFailure: UNAVAILABLE,
  InternalServerError: UNAVAILABLE,
  // Step Functions and its Lambda integration
  'States.Timeout': TOO_SLOW,
  'States.HeartbeatTimeout': TOO_SLOW,
  'Lambda.TooManyRequestsException': SLOW_DOWN,
  'Lambda.ServiceException': UNAVAILABLE,
  'Lambda.AWSLambdaException': UNAVAILABLE,
  'Lambda.SdkClientException': UNAVAILABLE,
};

/** Where a failure happened, for the log line (ids only, never PII). */
export interface FailureContext {
  readonly customerId?: string;
  readonly executionName?: string;
  readonly step?: string;
}

/** Longest message we store for a failure (the status route and the step log show it). */
const MAX_LENGTH = 500;

/**
 * The customer-safe sentence for an error `name` with its raw `message`. The reference is derived from the
 * execution and the error, so the step that threw and the rollback that reports it log the same one.
 */
export function failureMessage(name: string, message: string | undefined, context: FailureContext = {}): string {
  if (OUR_ERRORS.has(name)) return (message ? message : name).slice(0, MAX_LENGTH);
  // A transient failure that outlasted every retry: its message is the original AWS or Stripe error kind.
  if (name === 'TransientError') return KNOWN_ERROR_CODES[message ?? ''] ?? STILL_UNAVAILABLE;
  const known = KNOWN_ERROR_CODES[name];
  if (known) return known;
  const reference = referenceFor(name, message, context);
  logger.error('Failure hidden from the customer', { ...context, reference, errorName: name, errorMessage: message });
  return `an internal error (reference ${reference})`;
}

/** For an error a step caught (thrown by our code or an AWS SDK client). */
export function describeError(error: unknown, context: FailureContext = {}): string {
  if (error instanceof Error) return failureMessage(error.name, error.message, context);
  return failureMessage('NonError', String(error), context);
}

/**
 * For a Step Functions Catch output `{Error, Cause}`: a Lambda error's Cause is JSON
 * `{errorType, errorMessage}`; a States.* error's Cause is plain text.
 */
export function describeFailure(error: { Error: string; Cause?: string }, context: FailureContext = {}): string {
  return failureMessage(error.Error, lambdaErrorMessage(error.Cause) ?? error.Cause, context);
}

function lambdaErrorMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : undefined;
  } catch {
    return undefined;
  }
}

/** 10 hex characters: stable for one execution's error, random when there is no execution to tie it to. */
function referenceFor(name: string, message: string | undefined, context: FailureContext): string {
  if (!context.executionName) return randomBytes(5).toString('hex');
  return createHash('sha256').update(`${context.executionName}\n${name}\n${message ?? ''}`).digest('hex').slice(0, 10);
}

/**
 * For an execution that ended without its own failure handling running to the end (the EventBridge
 * "Execution Status Change" event): stopped from the console or the API, timed out, or failed outside any
 * Catch. `what` names the workflow for the customer ("Provisioning", "Suspending the account", ...).
 */
export function stoppedExecutionMessage(
  what: string,
  ending: { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error?: string | null; cause?: string | null },
  context: FailureContext = {},
): string {
  switch (ending.status) {
    case 'ABORTED':
      return `${what} was stopped before it finished.`;
    case 'TIMED_OUT':
      return `${what} took longer than it is allowed to.`;
    case 'FAILED':
      return describeFailure({ Error: ending.error ?? 'States.Runtime', Cause: ending.cause ?? undefined }, context);
  }
}
