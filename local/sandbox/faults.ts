import { AwsServiceError } from '../edge/aws-json';

/** What a service registers with the fault queue: derived from what it serves, never listed by hand. */
export interface FaultCatalog {
  /** The name `POST /_sandbox/faults` takes (`sesv2`, not its signing name `ses`). */
  readonly name: string;
  /** The API actions the service serves: a fault for any of them fails the next call. */
  readonly actions: readonly string[];
  /**
   * Outcome faults, with the errors each takes: not API calls but outcomes the sandbox decides, such as
   * how the next launched instance ends or how the next command invocation ends.
   */
  readonly outcomes?: Readonly<Record<string, readonly string[]>>;
  /** HTTP status AWS answers an error code with; any other code is a client error (400). */
  readonly errorStatus?: Readonly<Record<string, number>>;
}

export interface Fault {
  readonly service: string;
  readonly action: string;
  readonly error: string;
  /** How many more calls fail. */
  remaining: number;
}

/** One service's view of the queue: what its operations call before they answer. */
export interface ServiceFaults {
  /** Throws the injected error for an API action, with the status AWS uses for that code. */
  raise(action: string): void;
  /** Consumes one firing of an outcome fault, if any. */
  take(action: string): Fault | undefined;
}

const MESSAGES: Readonly<Record<string, string>> = {
  InsufficientInstanceCapacity:
    'We currently do not have sufficient capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity.',
  RequestLimitExceeded: 'Request limit exceeded.',
  Throttling: 'Rate exceeded',
  ThrottlingException: 'Rate exceeded',
  TooManyRequestsException: 'Too Many Requests',
};

export class FaultValidationError extends Error {
  override readonly name = 'FaultValidationError';
}

const ERROR_CODE = /^[A-Za-z][A-Za-z0-9.]{0,99}$/;
const MAX_TIMES = 1000;

/** Faults waiting to fire, in the order they were added; each fires `times` times, then is gone. */
export class FaultQueue {
  private faults: Fault[] = [];
  private readonly catalogs = new Map<string, FaultCatalog>();

  /** Makes a service's actions and outcomes targetable (the sandbox registers every service once). */
  register(catalog: FaultCatalog): void {
    if (this.catalogs.has(catalog.name)) throw new Error(`The sandbox service ${catalog.name} is registered twice`);
    this.catalogs.set(catalog.name, catalog);
  }

  /** The actions and outcomes each registered service accepts a fault for. */
  targets(): Record<string, string[]> {
    return Object.fromEntries([...this.catalogs.values()].map((catalog) => [catalog.name, actionsOf(catalog)]));
  }

  forService(service: string): ServiceFaults {
    return { raise: (action) => this.raise(service, action), take: (action) => this.take(service, action) };
  }

  /** Validates a control-route body; throws FaultValidationError with a sentence a developer can act on. */
  add(input: unknown): Fault {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new FaultValidationError('The body must be a JSON object {service, action, error, times}');
    }
    const { service, action, error, times = 1, ...rest } = input as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new FaultValidationError(`Unknown fields: ${unknown.join(', ')}`);
    const catalog = typeof service === 'string' ? this.catalogs.get(service) : undefined;
    if (!catalog) throw new FaultValidationError(`service must be one of ${[...this.catalogs.keys()].join(', ')}`);
    const actions = actionsOf(catalog);
    if (typeof action !== 'string' || !actions.includes(action)) {
      throw new FaultValidationError(`action must be one of ${actions.join(', ')} for ${catalog.name}`);
    }
    const outcome = catalog.outcomes && Object.hasOwn(catalog.outcomes, action) ? catalog.outcomes[action] : undefined;
    if (outcome && (typeof error !== 'string' || !outcome.includes(error))) {
      throw new FaultValidationError(`error must be one of ${outcome.join(', ')} for ${action}`);
    }
    if (typeof error !== 'string' || !ERROR_CODE.test(error)) {
      throw new FaultValidationError('error must be an AWS error code such as InsufficientInstanceCapacity or Throttling');
    }
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > MAX_TIMES) {
      throw new FaultValidationError(`times must be an integer from 1 to ${MAX_TIMES}`);
    }
    const fault: Fault = { service: catalog.name, action, error, remaining: times };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Consumes one firing of the first fault for this action, if any. */
  take(service: string, action: string): Fault | undefined {
    const index = this.faults.findIndex((fault) => fault.service === service && fault.action === action);
    if (index === -1) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  /** Throws the injected error for an API action, with the status AWS uses for that code. */
  raise(service: string, action: string): void {
    const fault = this.take(service, action);
    if (!fault) return;
    const message = MESSAGES[fault.error] ?? `${fault.error} (injected by the StackPro sandbox)`;
    throw new AwsServiceError(fault.error, message, this.statusFor(service, fault.error));
  }

  statusFor(service: string, code: string): number {
    return this.catalogs.get(service)?.errorStatus?.[code] ?? 400;
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

function actionsOf(catalog: FaultCatalog): string[] {
  return [...catalog.actions, ...Object.keys(catalog.outcomes ?? {})];
}
