import { AwsServiceError } from '../edge/aws-json';

/** The emulated services a fault can target, by the name the control route takes. */
export type FaultService = 'ec2' | 'route53' | 'sesv2' | 'ssm';

export interface Fault {
  readonly service: FaultService;
  readonly action: string;
  readonly error: string;
  /** How many more calls fail. */
  remaining: number;
}

/**
 * Actions that are not API calls but outcomes the sandbox decides: how the next launched instance ends,
 * and how the next command invocation ends.
 */
export const OUTCOME_FAULTS: Readonly<Record<string, { readonly service: FaultService; readonly errors: readonly string[] }>> = {
  InstanceOutcome: { service: 'ec2', errors: ['terminated'] },
  CommandOutcome: { service: 'ssm', errors: ['Failed', 'TimedOut', 'Cancelled'] },
};

/** The API actions each service emulates (a fault for any other action would never fire). */
export const FAULT_ACTIONS: Readonly<Record<FaultService, readonly string[]>> = {
  ec2: ['RunInstances', 'DescribeInstances', 'TerminateInstances', 'StopInstances', 'StartInstances', 'InstanceOutcome'],
  route53: ['ChangeResourceRecordSets', 'GetChange', 'ListResourceRecordSets'],
  sesv2: ['CreateEmailIdentity', 'GetEmailIdentity', 'DeleteEmailIdentity', 'SendEmail'],
  ssm: ['DescribeInstanceInformation', 'SendCommand', 'GetCommandInvocation', 'CommandOutcome'],
};

/**
 * HTTP status AWS answers each error code with, per service; anything not listed is a client error (400).
 * EC2's capacity errors are server errors (5xx) and RequestLimitExceeded is 503, so the SDK retries them
 * itself (3 attempts by default); Route 53's Throttling and SSM's ThrottlingException are 400 but on the
 * SDK's throttling list (retried too); SESv2's TooManyRequestsException is 429.
 */
const STATUS_BY_CODE: Readonly<Record<FaultService, Readonly<Record<string, number>>>> = {
  ec2: {
    RequestLimitExceeded: 503,
    InsufficientInstanceCapacity: 500,
    InsufficientAddressCapacity: 500,
    InsufficientCapacity: 500,
    InsufficientHostCapacity: 500,
    InternalError: 500,
    Unavailable: 503,
    ServiceUnavailable: 503,
  },
  route53: { NoSuchHostedZone: 404, NoSuchChange: 404, ServiceUnavailable: 503, InternalError: 500 },
  sesv2: { TooManyRequestsException: 429, NotFoundException: 404, InternalServiceError: 500 },
  ssm: { InternalServerError: 500, InternalError: 500, ServiceUnavailable: 503 },
};

const MESSAGES: Readonly<Record<string, string>> = {
  InsufficientInstanceCapacity:
    'We currently do not have sufficient capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity.',
  RequestLimitExceeded: 'Request limit exceeded.',
  Throttling: 'Rate exceeded',
  ThrottlingException: 'Rate exceeded',
  TooManyRequestsException: 'Too Many Requests',
};

export function statusFor(service: FaultService, code: string): number {
  return STATUS_BY_CODE[service][code] ?? 400;
}

export class FaultValidationError extends Error {
  override readonly name = 'FaultValidationError';
}

const ERROR_CODE = /^[A-Za-z][A-Za-z0-9.]{0,99}$/;
const MAX_TIMES = 1000;

/** Faults waiting to fire, in the order they were added; each fires `times` times, then is gone. */
export class FaultQueue {
  private faults: Fault[] = [];

  /** Validates a control-route body; throws FaultValidationError with a sentence a developer can act on. */
  add(input: unknown): Fault {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new FaultValidationError('The body must be a JSON object {service, action, error, times}');
    }
    const { service, action, error, times = 1, ...rest } = input as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new FaultValidationError(`Unknown fields: ${unknown.join(', ')}`);
    if (typeof service !== 'string' || !Object.hasOwn(FAULT_ACTIONS, service)) {
      throw new FaultValidationError(`service must be one of ${Object.keys(FAULT_ACTIONS).join(', ')}`);
    }
    const actions = FAULT_ACTIONS[service as FaultService];
    if (typeof action !== 'string' || !actions.includes(action)) {
      throw new FaultValidationError(`action must be one of ${actions.join(', ')} for ${service}`);
    }
    const outcome = OUTCOME_FAULTS[action];
    if (outcome && (typeof error !== 'string' || !outcome.errors.includes(error))) {
      throw new FaultValidationError(`error must be one of ${outcome.errors.join(', ')} for ${action}`);
    }
    if (typeof error !== 'string' || !ERROR_CODE.test(error)) {
      throw new FaultValidationError('error must be an AWS error code such as InsufficientInstanceCapacity or Throttling');
    }
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > MAX_TIMES) {
      throw new FaultValidationError(`times must be an integer from 1 to ${MAX_TIMES}`);
    }
    const fault: Fault = { service: service as FaultService, action, error, remaining: times };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Consumes one firing of the first fault for this action, if any. */
  take(service: FaultService, action: string): Fault | undefined {
    const index = this.faults.findIndex((fault) => fault.service === service && fault.action === action);
    if (index === -1) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  /** Throws the injected error for an API action, with the status AWS uses for that code. */
  raise(service: FaultService, action: string): void {
    const fault = this.take(service, action);
    if (!fault) return;
    const message = MESSAGES[fault.error] ?? `${fault.error} (injected by the StackPro sandbox)`;
    throw new AwsServiceError(fault.error, message, statusFor(service, fault.error));
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    return count;
  }
}
