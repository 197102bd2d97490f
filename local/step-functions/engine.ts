import './promise-with-resolvers';
import path from 'node:path';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, type StateMachine } from 'aws-local-stepfunctions';
import { loadDefinition } from '../../statemachines/definition-loader';
import type { WorkflowDefinition, WorkflowStep } from '../../statemachines/workflows';
import { AwsServiceError } from '../edge/aws-json';
import type { HandlerLoader } from '../handler-loader';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';
import { type AslValue, findTaskStates, substitute } from './asl-tasks';
import { type ExecutionRecord, ExecutionStore } from './execution-store';
import { appendHistoryEvent } from './history';
import { HistoryLayout } from './history-layout';
import { HistoryRecorder } from './history-recorder';
import { createTaskOverrides, type TaskOverride } from './lambda-tasks';
import { scaledTimeOverrides } from './time-overrides';
import { validatedStateMachine } from './validated-state-machine';

/**
 * Hooks to compress time (a later sandbox profile sets them): milliseconds per Wait state name, and per
 * retrying state name, instead of the ASL's Seconds and IntervalSeconds.
 */
export interface TimeOverrides {
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
  readonly retryIntervalOverrides?: Readonly<Record<string, number | number[]>>;
}

export interface StepFunctionsEngineOptions {
  readonly workflows: readonly WorkflowDefinition[];
  /** Execution records go to `<dataDir>/executions/`. */
  readonly dataDir: string;
  readonly loadHandler: HandlerLoader;
  readonly timeOverrides?: TimeOverrides;
  /**
   * Model seconds to real milliseconds (the sandbox clock): every Wait and Retry interval of every
   * workflow is compressed with it; explicit `timeOverrides` still win per state. @default real time
   */
  readonly timeScale?: (modelSeconds: number) => number;
  /** @default <repo>/statemachines */
  readonly statemachinesDir?: string;
  /**
   * Called once per execution that ends, just before its record is saved, and for each execution a crash left
   * RUNNING (loaded back as ABORTED): where the local EventBridge rule hears of it (local/events/).
   */
  readonly onExecutionEnded?: (record: ExecutionRecord) => void;
  /** The workflows' bounded waits (`WorkflowDefinition.waits`) in real seconds. @default each wait's default */
  readonly waits?: Readonly<Record<string, number>>;
}

interface RegisteredMachine {
  readonly arn: string;
  readonly machine: StateMachine;
  /** What DescribeStateMachine shows: the ASL as it runs here (substitutions filled in). */
  readonly info: StateMachineInfo;
  /** Where each state sits (branch, Map), so history links events per branch. */
  readonly layout: HistoryLayout;
  readonly taskOverrides: Record<string, TaskOverride>;
  readonly timeOverrides: Required<TimeOverrides>;
}

interface RunningExecution {
  readonly abort: () => void;
  readonly settled: Promise<void>;
  stopRequest?: { error?: string; cause?: string };
}

/** A registered state machine as DescribeStateMachine and ListStateMachines report it. */
export interface StateMachineInfo {
  readonly arn: string;
  readonly name: string;
  /** The ASL JSON, as the engine runs it. */
  readonly definition: string;
  /** Epoch ms: when the local stack registered it (AWS: when it was created). */
  readonly createdAt: number;
}

const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_INPUT_BYTES = 256 * 1024;

export function stateMachineArn(workflowId: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${workflowId}`;
}

export function executionArn(workflowId: string, name: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${workflowId}:${name}`;
}

/** The fake ARN CDK's real function ARN stands in for; the Task override maps it back to the step. */
export function stepFunctionArn(step: WorkflowStep): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${step.id}`;
}

/**
 * Runs the repo's ASL files with aws-local-stepfunctions, each Lambda Task calling the step's handler
 * in-process, and keeps the executions as Step Functions reports them.
 */
export class StepFunctionsEngine {
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, RunningExecution>();
  private readonly store: ExecutionStore;

  constructor(private readonly options: StepFunctionsEngineOptions) {
    for (const workflow of options.workflows) this.register(workflow);
    this.store = new ExecutionStore(path.join(options.dataDir, 'executions'));
    for (const record of this.store.loadAll(Date.now(), options.onExecutionEnded)) this.records.set(record.executionArn, record);
  }

  /** StartExecution: returns at once; the execution runs in the background. */
  start(request: { stateMachineArn: string; name: string; input: string }): ExecutionRecord {
    const registered = this.machines.get(request.stateMachineArn);
    if (!registered) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
    if (!EXECUTION_NAME.test(request.name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${request.name}'`);
    const input = parseInput(request.input);
    const arn = executionArn(request.stateMachineArn.split(':').pop() as string, request.name);
    const existing = this.records.get(arn);
    if (existing) {
      // AWS treats a repeat of a running execution (same name and input) as success: that keeps retried
      // StartExecution calls idempotent. Anything else with a used name is refused.
      if (existing.status === 'RUNNING' && existing.input === request.input) return existing;
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const record: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: request.stateMachineArn,
      name: request.name,
      status: 'RUNNING',
      input: request.input,
      startDate: Date.now(),
      history: [],
    };
    this.records.set(arn, record);
    this.store.save(record);
    this.run(registered, record, input);
    return record;
  }

  describe(arn: string): ExecutionRecord | undefined {
    return this.records.get(arn);
  }

  hasStateMachine(arn: string): boolean {
    return this.machines.has(arn);
  }

  /** Every registered state machine, by name (ListStateMachines' order is not documented; this is stable). */
  stateMachines(): StateMachineInfo[] {
    return [...this.machines.values()].map((registered) => registered.info).sort((a, b) => a.name.localeCompare(b.name));
  }

  stateMachine(arn: string): StateMachineInfo | undefined {
    return this.machines.get(arn)?.info;
  }

  /** Newest first, as ListExecutions returns them. */
  list(stateMachineArn: string): ExecutionRecord[] {
    return [...this.records.values()]
      .filter((record) => record.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate - a.startDate);
  }

  /** StopExecution: aborts a running execution; a finished one is left as it is. */
  async stop(arn: string, stopRequest: { error?: string; cause?: string }): Promise<ExecutionRecord | undefined> {
    const running = this.running.get(arn);
    if (running) {
      running.stopRequest = stopRequest;
      running.abort();
      await running.settled;
    }
    return this.records.get(arn);
  }

  /** Resolves once the execution has finished (for tests and benchmarks that want to wait for one). */
  async settled(arn: string): Promise<ExecutionRecord | undefined> {
    await this.running.get(arn)?.settled;
    return this.records.get(arn);
  }

  /** Aborts what is still running, recording why, so a later start reports it truthfully. */
  async shutdown(): Promise<void> {
    await Promise.all(
      [...this.running.keys()].map((arn) =>
        this.stop(arn, { error: 'States.Runtime', cause: 'The local stack stopped while this execution was running.' }),
      ),
    );
  }

  private register(workflow: WorkflowDefinition): void {
    const raw = loadDefinition(workflow, this.options.statemachinesDir, this.options.waits) as unknown as AslValue;
    const functionArns = Object.fromEntries(Object.entries(workflow.steps).map(([key, step]) => [key, stepFunctionArn(step)]));
    const definition = substitute(raw, functionArns) as unknown as ConstructorParameters<typeof StateMachine>[0];
    const stepsByFunctionName = new Map(Object.values(workflow.steps).map((step) => [step.id, step]));
    const taskOverrides = createTaskOverrides(findTaskStates(definition), {
      stepsByFunctionName,
      loadHandler: this.options.loadHandler,
    });
    const arn = stateMachineArn(workflow.id);
    const info: StateMachineInfo = { arn, name: workflow.id, definition: JSON.stringify(definition, null, 2), createdAt: Date.now() };
    const scaled = this.options.timeScale
      ? scaledTimeOverrides(definition as never, this.options.timeScale)
      : { waitTimeOverrides: {}, retryIntervalOverrides: {} };
    const timeOverrides = {
      waitTimeOverrides: { ...scaled.waitTimeOverrides, ...this.options.timeOverrides?.waitTimeOverrides },
      retryIntervalOverrides: { ...scaled.retryIntervalOverrides, ...this.options.timeOverrides?.retryIntervalOverrides },
    };
    // Node timers hold at most 2^31-1 ms (~24.8 days) and fire at once beyond it; aws-local-stepfunctions arms
    // the execution's TimeoutSeconds with one setTimeout, so a 31-day deprovisioning would time out at start.
    const timed = definition as { TimeoutSeconds?: number };
    const maxTimerSeconds = Math.floor((2 ** 31 - 1) / 1000);
    if (timed.TimeoutSeconds !== undefined && timed.TimeoutSeconds > maxTimerSeconds) timed.TimeoutSeconds = maxTimerSeconds;
    const layout = new HistoryLayout(definition as never);
    this.machines.set(arn, { arn, machine: validatedStateMachine(definition), info, layout, taskOverrides, timeOverrides });
  }

  private run(registered: RegisteredMachine, record: ExecutionRecord, input: AslValue): void {
    // Builds the history as AWS writes it: Task attempts from the handler calls, links per branch.
    const recorder = new HistoryRecorder(record.history, registered.layout);
    const execution = registered.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: recorder.instrument(registered.taskOverrides) as never,
        waitTimeOverrides: { ...registered.timeOverrides.waitTimeOverrides },
        retryIntervalOverrides: { ...registered.timeOverrides.retryIntervalOverrides },
      },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/StackProLocalStepFunctions`,
          StartTime: new Date(record.startDate).toISOString(),
        },
        StateMachine: { Id: registered.arn, Name: registered.arn.split(':').pop() },
      },
    });
    const historyDone = (async () => {
      for await (const event of execution.eventLogs) recorder.record(event);
    })();
    const state: RunningExecution = { abort: execution.abort, settled: Promise.resolve() };
    const settled = execution.result.then(
      (output) => Object.assign(record, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) }),
      (error: unknown) => Object.assign(record, this.failure(error, state)),
    )
      .then(async () => {
        record.stopDate = Date.now();
        // The engine closes its event log when the execution ends; the bound only guards against a bug.
        await Promise.race([historyDone, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        if (record.status === 'ABORTED') this.describeAbort(record, state);
        // The event first: a crash between the two leaves the record RUNNING, and the next start reports it again.
        this.options.onExecutionEnded?.(record);
        this.store.save(record);
      })
      .catch((error: unknown) => console.error(`[sfn] could not record ${record.executionArn}:`, error))
      .finally(() => this.running.delete(record.executionArn));
    this.running.set(record.executionArn, Object.assign(state, { settled }));
  }

  private failure(error: unknown, state: RunningExecution): Partial<ExecutionRecord> {
    if (error instanceof ExecutionAbortedError) {
      return { status: 'ABORTED', error: state.stopRequest?.error, cause: state.stopRequest?.cause };
    }
    if (error instanceof ExecutionTimeoutError) {
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds.' };
    }
    if (error instanceof ExecutionError && error.cause instanceof Error) {
      return { status: 'FAILED', error: error.cause.name, cause: error.cause.message };
    }
    console.error('[sfn] execution failed unexpectedly:', error);
    return { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) };
  }

  /** StopExecution's error and cause belong on the ExecutionAborted event, as in AWS. */
  private describeAbort(record: ExecutionRecord, state: RunningExecution): void {
    const last = record.history.at(-1);
    const details = { error: state.stopRequest?.error, cause: state.stopRequest?.cause };
    if (last?.type === 'ExecutionAborted') {
      record.history[record.history.length - 1] = { ...last, executionAbortedEventDetails: details };
    } else {
      appendHistoryEvent(record.history, { type: 'ExecutionAborted', executionAbortedEventDetails: details }, record.stopDate ?? Date.now());
    }
  }
}

function parseInput(input: string): AslValue {
  if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
    throw new AwsServiceError('InvalidExecutionInput', 'Execution input is larger than 256 KB');
  }
  try {
    return JSON.parse(input) as AslValue;
  } catch {
    throw new AwsServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
  }
}
