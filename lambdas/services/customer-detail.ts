import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { NotFoundError } from '../core/errors';
import { readCustomerPartition } from '../repositories/customer-partition';
import { type CustomerStatusView, customerStatus } from './customer-status';

/** One workflow execution of the customer, as the Step Functions console shows it. */
export interface ExecutionView {
  readonly workflow: string;
  readonly executionName: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE; NOT_FOUND when Step Functions no longer has it (90 days). */
  readonly status: string;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  /** The state that failed (its retries spent) or the one the execution was in when it stopped. */
  readonly failedState?: string;
  /** The execution's own error and cause (for a rollback, the Fail state's: the customer-safe reason). */
  readonly error?: string;
  readonly cause?: string;
  /** The failed state's own error and cause, as its last TaskFailed event recorded them. */
  readonly stateError?: string;
  readonly stateCause?: string;
}

/** What support reads about one customer: the status page plus who they are and every execution's outcome. */
export interface CustomerDetailView extends CustomerStatusView {
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly verifiedAt: string | null;
  /** The app version its server runs (set at deploy and by fleet updates); null when never recorded. */
  readonly appVersion: string | null;
  readonly executions: readonly ExecutionView[];
}

/** The state machine of each workflow id, from the ARNs the function was given (lambdas/config.ts). */
const STATE_MACHINE_ARN: Readonly<Record<string, () => string>> = {
  ProvisionCustomer: config.provisioningStateMachineArn,
  SuspendCustomer: config.suspendStateMachineArn,
  ResumeCustomer: config.resumeStateMachineArn,
  DeprovisionCustomer: config.deprovisionStateMachineArn,
  ResizeCustomer: config.resizeStateMachineArn,
  RestoreCustomer: config.restoreStateMachineArn,
  FleetUpdate: config.fleetUpdateStateMachineArn,
};

/** arn:...:stateMachine:<name> -> arn:...:execution:<name>:<executionName>. */
export function executionArn(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

const iso = (date: Date | undefined) => (date ? date.toISOString() : null);
const STOPPED_BADLY = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * The failed state and its error, from the execution history: the last TaskFailed names the Task whose
 * retries ran out (a rollback's own Tasks usually succeed after it); without one, the state the execution
 * last entered (a Fail state, or where a stop or time-out caught it).
 */
export function failureFromHistory(events: readonly HistoryEvent[]): Pick<ExecutionView, 'failedState' | 'stateError' | 'stateCause' | 'error' | 'cause'> {
  let lastEntered: string | undefined;
  let lastTaskEntered: string | undefined;
  let failed: Pick<ExecutionView, 'failedState' | 'stateError' | 'stateCause'> = {};
  let end: Pick<ExecutionView, 'error' | 'cause'> = {};
  for (const event of events) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered) {
      lastEntered = entered;
      if (event.type === 'TaskStateEntered') lastTaskEntered = entered;
    }
    if (event.type === 'TaskFailed' && event.taskFailedEventDetails) {
      failed = { failedState: lastTaskEntered, stateError: event.taskFailedEventDetails.error, stateCause: event.taskFailedEventDetails.cause };
    }
    const stop = event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
    if (stop) end = { ...(stop.error ? { error: stop.error } : {}), ...(stop.cause ? { cause: stop.cause } : {}) };
  }
  const failedState = failed.failedState ?? lastEntered;
  return { ...end, ...(failedState ? { failedState } : {}), ...(failed.stateError ? { stateError: failed.stateError } : {}), ...(failed.stateCause ? { stateCause: failed.stateCause } : {}) };
}

async function historyOf(arn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await stepFunctions.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken, includeExecutionData: false }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export async function describeExecution(workflow: string, executionName: string): Promise<ExecutionView> {
  const arnOf = STATE_MACHINE_ARN[workflow];
  const base = { workflow, executionName };
  if (!arnOf) return { ...base, status: 'UNKNOWN', startedAt: null, stoppedAt: null };
  const arn = executionArn(arnOf(), executionName);
  try {
    const execution = await stepFunctions.send(new DescribeExecutionCommand({ executionArn: arn }));
    const status = execution.status ?? 'UNKNOWN';
    const view = { ...base, status, startedAt: iso(execution.startDate), stoppedAt: iso(execution.stopDate) };
    return STOPPED_BADLY.has(status) ? { ...view, ...failureFromHistory(await historyOf(arn)) } : view;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return { ...base, status: 'NOT_FOUND', startedAt: null, stoppedAt: null };
    throw error;
  }
}

/** The customer's executions: every one its step log names (with its workflow), and the provisioning attempt in charge. */
function executionsOf(customer: Customer, steps: readonly { executionName: string; workflowId?: string }[]): { workflow: string; executionName: string }[] {
  const byName = new Map<string, string>([[customer.provisioningExecutionName, 'ProvisionCustomer']]);
  for (const step of steps) {
    if (!byName.has(step.executionName) || step.workflowId) byName.set(step.executionName, step.workflowId ?? 'ProvisionCustomer');
  }
  return [...byName].map(([executionName, workflow]) => ({ workflow, executionName }));
}

/**
 * `GET /admin/customers/{id}`: the status page, the customer's name and email, and each workflow execution
 * with its outcome (DescribeExecution; for a failed, timed-out or aborted one, the failed state and cause
 * from GetExecutionHistory). Support reads here what the console shows.
 */
export async function customerDetail(customerId: string): Promise<CustomerDetailView> {
  const [status, partition] = await Promise.all([customerStatus(customerId), readCustomerPartition(customerId)]);
  const customer = partition.profile;
  if (!customer) throw new NotFoundError('customer');
  const steps = [...partition.steps].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const executions = await Promise.all(executionsOf(customer, steps).map(({ workflow, executionName }) => describeExecution(workflow, executionName)));
  return {
    ...status,
    email: customer.email,
    firstName: customer.firstName,
    lastName: customer.lastName,
    verifiedAt: customer.verifiedAt ?? null,
    appVersion: customer.appVersion ?? null,
    executions: executions.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '')),
  };
}
