import { FaultValidationError } from '../faults';
import { STRIPE_FAULT_ERRORS, type StripeApiError } from './errors';

export interface StripeFault {
  readonly service: 'stripe';
  readonly action: string;
  readonly error: string;
  remaining: number;
}

const MAX_TIMES = 1000;

/**
 * Faults for the Stripe API, the same control route and shape as the AWS ones (`POST /_sandbox/faults`
 * `{service: 'stripe', action: 'CreateSubscription', error: 'rate_limit', times: 2}`): each fires
 * `times` times, then is gone; the error names are STRIPE_FAULT_ERRORS' keys.
 */
export class StripeFaultQueue {
  private faults: StripeFault[] = [];

  /** @param actions the calls the Stripe API serves (its route table's actions): each accepts a fault. */
  constructor(private readonly actions: readonly string[]) {}

  add(input: Record<string, unknown>): StripeFault {
    const { service, action, error, times = 1, ...rest } = input;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new FaultValidationError(`Unknown fields: ${unknown.join(', ')}`);
    if (service !== 'stripe') throw new FaultValidationError('service must be stripe');
    if (typeof action !== 'string' || !this.actions.includes(action)) {
      throw new FaultValidationError(`action must be one of ${this.actions.join(', ')} for stripe`);
    }
    if (typeof error !== 'string' || !Object.hasOwn(STRIPE_FAULT_ERRORS, error)) {
      throw new FaultValidationError(`error must be one of ${Object.keys(STRIPE_FAULT_ERRORS).join(', ')} for stripe`);
    }
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > MAX_TIMES) {
      throw new FaultValidationError(`times must be an integer from 1 to ${MAX_TIMES}`);
    }
    const fault: StripeFault = { service: 'stripe', action, error, remaining: times };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Consumes one firing of the first fault for this action and returns the error to answer, if any. */
  take(action: string): StripeApiError | undefined {
    const index = this.faults.findIndex((fault) => fault.action === action);
    if (index === -1) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return STRIPE_FAULT_ERRORS[fault.error]();
  }

  list(): StripeFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    return count;
  }
}
