import { config } from '../config';
import type { CustomerStatus } from '../core/customer';
import { InvalidStateError, NotFoundError, ServiceUnavailableError } from '../core/errors';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { transitionWithHold } from '../repositories/operator-holds';
import { startWorkflow } from './lifecycle-workflows';

export interface OperatorActionResult {
  readonly customerId: string;
  readonly status: CustomerStatus;
  /** False when the account was already on its way (or there): nothing was started, nothing changed. */
  readonly changed: boolean;
  /** The workflow execution this request started. */
  readonly executionName?: string;
}

interface Action {
  readonly verb: 'suspend' | 'resume';
  readonly from: readonly CustomerStatus[];
  readonly to: CustomerStatus;
  /** Already there or on the way: the same request again answers without starting anything. */
  readonly done: readonly CustomerStatus[];
  readonly stateMachineArn: () => string;
}

const SUSPEND: Action = {
  verb: 'suspend',
  from: ['active', 'past_due', 'resuming'],
  to: 'suspending',
  done: ['suspending', 'suspended'],
  stateMachineArn: config.suspendStateMachineArn,
};
const RESUME: Action = {
  verb: 'resume',
  from: ['suspended'],
  to: 'resuming',
  done: ['resuming', 'active'],
  stateMachineArn: config.resumeStateMachineArn,
};

async function act(action: Action, customerId: string, operator: string, now = Date.now()): Promise<OperatorActionResult> {
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) throw new NotFoundError('customer');
  if (action.done.includes(customer.status)) return { customerId, status: customer.status, changed: false };
  if (!action.from.includes(customer.status)) {
    throw new InvalidStateError(`Cannot ${action.verb} a customer whose status is ${customer.status}.`);
  }
  const hold = action.verb === 'suspend' ? { at: new Date(now).toISOString(), by: operator } : undefined;
  if (!(await transitionWithHold(customerId, [customer.status], action.to, hold))) {
    // Another request moved it first: answer what it is now, as a repeated request would.
    const current = await getCustomer(customerId, { consistent: true });
    if (current && action.done.includes(current.status)) return { customerId, status: current.status, changed: false };
    throw new InvalidStateError(`The customer changed while it was being ${action.verb}d; look again.`);
  }
  const executionName = `${action.verb}-${customerId}-operator-${now}`;
  try {
    await startWorkflow(action.stateMachineArn(), executionName, action.verb === 'suspend' ? { customerId, reason: 'requested' } : { customerId });
  } catch (error) {
    logger.error(`Operator ${action.verb} could not start; status put back`, { customerId, errorName: (error as Error).name });
    await transitionWithHold(customerId, [action.to], customer.status, customer.operatorHold);
    throw new ServiceUnavailableError();
  }
  logger.info(`Customer ${action.verb}ed by an operator`, { customerId, operator, executionName });
  return { customerId, status: action.to, changed: true, executionName };
}

/**
 * An operator suspends a customer (abuse, a support request): the suspend workflow stops the server and
 * keeps the data, with reason `requested`. The hold keeps Stripe's next paid invoice from resuming it; the
 * lapse sweep still leaves a paying account alone. Repeating it answers `changed: false`.
 */
export const suspendByOperator = (customerId: string, operator: string, now?: number) => act(SUSPEND, customerId, operator, now);

/**
 * An operator resumes a suspended customer and lifts the hold. It does not override billing: if Stripe
 * still says unpaid, its next event suspends the account again.
 */
export const resumeByOperator = (customerId: string, operator: string, now?: number) => act(RESUME, customerId, operator, now);
