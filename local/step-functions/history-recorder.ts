import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';
import type { EngineEvent, HistoryEvent, HistoryEventBody } from './history';
import { type Container, type HistoryLayout, mapItemCount, type StateShape, type TaskShape } from './history-layout';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type TaskHandler = (input: JsonValue) => Promise<JsonValue> | JsonValue;

// A function, not a constant: local-env is part of an import cycle with the workflows module.
const localRoleArn = () => `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/StackProLocalStepFunctions`;
const ROOT = '';

const json = (value: unknown) => JSON.stringify(value ?? null);
const causeText = (value: unknown) => (typeof value === 'string' ? value : json(value));

/** One call of a Task's handler: when it began and how it ended. */
interface Attempt {
  readonly state: string;
  readonly task: TaskShape;
  readonly parameters: JsonValue;
  readonly startedAt: number;
  end?: { readonly at: number; readonly output?: JsonValue; readonly error?: string; readonly cause?: string };
  lane?: string;
}

/** One run of a Parallel or Map state (a retry is a new run): its started event and the lanes it opened. */
interface ContainerRun {
  readonly type: 'Parallel' | 'Map';
  readonly startedId: number;
  readonly lanes: Set<string>;
  failed: boolean;
}

/**
 * Builds an execution's history as Step Functions writes it, from the engine's events and the Task
 * handler calls:
 * - each Lambda Task shows TaskScheduled (the parameters), TaskStarted, then TaskSucceeded (the Invoke
 *   result) or TaskFailed, once per attempt, between its TaskStateEntered and TaskStateExited;
 * - Parallel and Map states show their own Started, Succeeded or Failed events, and MapIteration events;
 * - `previousEventId` follows each branch: a branch's first event points at ParallelStateStarted, each next
 *   one at the branch's previous event, and the state after a Parallel at the last event of its branches
 *   (the rule of AWS's histories: ExecutionStarted points at 0, so does the first state).
 * Branches run at once, so the engine reports their events in no fixed order; a lane (one branch, one Map
 * iteration) is a sequence of its own, named from where its state sits in the definition.
 */
export class HistoryRecorder {
  private readonly heads = new Map<string, number>();
  private readonly runs = new Map<string, ContainerRun>();
  /** A Parallel or Map that failed: AWS writes its Failed event only once no retry follows. */
  private readonly pendingFailures = new Map<string, { type: string; lane: string; at: number }>();
  /** Lanes that entered a Task whose handler has not been called yet, by state name, oldest first. */
  private readonly waiting = new Map<string, string[]>();
  /** Handler calls not yet tied to a lane (the engine reports a branch's events a moment late). */
  private readonly unbound = new Map<string, Attempt[]>();

  constructor(
    private readonly history: HistoryEvent[],
    private readonly layout: HistoryLayout,
  ) {
    // A history that already has events (a resumed execution) goes on from its last one.
    const last = history.at(-1);
    if (last) this.heads.set(ROOT, last.id);
  }

  /**
   * Wraps each Task's handler so its calls become TaskScheduled/Started/Succeeded/Failed events. A call
   * names no branch or Map iteration, so it is tied to the lane that entered its state: exact for Parallel
   * branches (state names are unique); for concurrent Map iterations of one Task, in the order the engine
   * reports them (the same order it calls the handlers in, so far as its event queue shows).
   */
  instrument<T extends Record<string, TaskHandler>>(handlers: T): T {
    return Object.fromEntries(
      Object.entries(handlers).map(([state, handler]) => {
        const task = this.layout.state(state)?.task;
        if (!task) return [state, handler];
        const wrapped = async (input: JsonValue) => {
          const attempt: Attempt = { state, task, parameters: input, startedAt: Date.now() };
          this.safely(() => this.attemptStarted(attempt));
          try {
            const output = await handler(input);
            this.safely(() => this.attemptEnded(attempt, { at: Date.now(), output }));
            return output;
          } catch (error) {
            const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
            this.safely(() => this.attemptEnded(attempt, { at: Date.now(), error: name, cause: message }));
            throw error;
          }
        };
        return [state, wrapped];
      }),
    ) as T;
  }

  /** Records one engine event (and whatever it completes). */
  record(event: EngineEvent): void {
    this.safely(() => this.recordEvent(event));
  }

  /** A bug here must cost a history event, never the execution or its final status. */
  private safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      console.error('[sfn] a history event could not be recorded:', error);
    }
  }

  private recordEvent(event: EngineEvent): void {
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.append(ROOT, { type: 'ExecutionStarted', executionStartedEventDetails: { input: json(event.input), inputDetails: { truncated: false }, roleArn: localRoleArn() } }, at, { keepHead: true });
        return;
      case 'ExecutionSucceeded':
        this.append(ROOT, { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } } }, at);
        return;
      case 'ExecutionFailed':
        this.flushFailures(() => true);
        this.append(ROOT, { type: 'ExecutionFailed', executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } }, at);
        return;
      case 'ExecutionAborted':
        this.appendLast({ type: 'ExecutionAborted', executionAbortedEventDetails: {} }, at);
        return;
      case 'ExecutionTimeout':
        this.appendLast({ type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } }, at);
        return;
      case 'StateEntered':
      case 'StateExited':
      case 'StateFailed':
      case 'StateRetried':
      case 'StateCaught':
        this.stateEvent(event, at);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.mapIteration(event, at);
        return;
      default:
        // ParallelBranch* events name no branch; AWS's history has none either.
        return;
    }
  }

  private stateEvent(event: Extract<EngineEvent, { state: unknown }>, at: number): void {
    const name = event.state.name;
    const shape: StateShape = this.layout.state(name) ?? { type: event.state.type, containers: [] };
    const lane = this.laneOf(shape.containers, event.index);
    const runKey = `${lane}|${name}`;
    const container = shape.type === 'Parallel' || shape.type === 'Map';
    switch (event.type) {
      case 'StateEntered':
        this.append(lane, { type: `${shape.type}StateEntered`, stateEnteredEventDetails: { name, input: json(event.state.input), inputDetails: { truncated: false } } }, at);
        if (container) this.startRun(lane, runKey, shape, event.state.input, at);
        if (shape.task) this.entered(name, lane);
        return;
      case 'StateExited': {
        if (shape.task) this.finished(name, lane);
        if (container) {
          const run = this.integrate(lane, runKey);
          if (run && !run.failed) this.append(lane, { type: `${shape.type}StateSucceeded` }, at, { keepHead: true });
        }
        this.append(lane, { type: `${shape.type}StateExited`, stateExitedEventDetails: { name, output: json(event.state.output), outputDetails: { truncated: false } } }, at);
        return;
      }
      case 'StateFailed':
        if (shape.task) this.finished(name, lane);
        if (container) {
          // Its branches' own failures did not end there: they reached this state.
          this.flushFailures((key) => key.startsWith(`${runKey}#`) || key.startsWith(`${runKey}[`));
          this.integrate(lane, runKey);
          this.pendingFailures.set(runKey, { type: shape.type, lane, at });
        }
        return;
      case 'StateRetried':
        if (shape.task) this.entered(name, lane);
        if (container) {
          this.pendingFailures.delete(runKey);
          this.startRun(lane, runKey, shape, event.state.input, at);
        }
        return;
      case 'StateCaught':
        if (container) this.flushFailures((key) => key === runKey);
        return;
    }
  }

  private startRun(lane: string, runKey: string, shape: StateShape, input: unknown, at: number): void {
    const type = shape.type as 'Parallel' | 'Map';
    const length = type === 'Map' ? mapItemCount(input, shape.itemsPath) : undefined;
    const details = type === 'Map' ? { mapStateStartedEventDetails: length === undefined ? {} : { length } } : {};
    const startedId = this.append(lane, { type: `${type}StateStarted`, ...details }, at);
    this.runs.set(runKey, { type, startedId, lanes: new Set(), failed: false });
  }

  private mapIteration(event: Extract<EngineEvent, { parentState: unknown; index: number }>, at: number): void {
    const name = event.parentState.name;
    const shape = this.layout.state(name);
    const parentLane = this.laneOf(shape?.containers ?? [], undefined);
    const runKey = `${parentLane}|${name}`;
    const lane = `${runKey}[${event.index}]`;
    const detailsKey = `${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`;
    const body = { type: event.type, [detailsKey]: { name, index: event.index } };
    if (event.type === 'MapIterationStarted') {
      const id = this.append(parentLane, body, at, { keepHead: true });
      this.heads.set(lane, id);
      this.runs.get(runKey)?.lanes.add(lane);
      return;
    }
    this.append(lane, body, at, { keepHead: true });
    // A finished iteration's last event is where the Map's next events go on from.
    this.heads.set(parentLane, Math.max(this.head(parentLane), this.head(lane)));
  }

  /** The lane of a state: its containers, each Map one with the iteration index. */
  private laneOf(containers: readonly Container[], index: number | undefined): string {
    let lane = ROOT;
    for (const container of containers) {
      const runKey = `${lane}|${container.name}`;
      lane = container.kind === 'Parallel' ? `${runKey}#${container.branch}` : `${runKey}[${index ?? 0}]`;
      this.runs.get(runKey)?.lanes.add(lane);
    }
    return lane;
  }

  /** The lane's last event; a branch not yet begun starts from its Parallel's Started event. */
  private head(lane: string): number {
    const known = this.heads.get(lane);
    if (known !== undefined) return known;
    const runKey = lane.replace(/(#\d+|\[\d+\])$/, '');
    return runKey === lane ? 0 : (this.runs.get(runKey)?.startedId ?? 0);
  }

  /** The lane goes on from the last event of the run's branches (the one that finished last). */
  private integrate(lane: string, runKey: string): ContainerRun | undefined {
    const run = this.runs.get(runKey);
    if (!run) return undefined;
    const last = Math.max(this.head(lane), ...[...run.lanes].map((inner) => this.head(inner)));
    this.heads.set(lane, last);
    return run;
  }

  private flushFailures(matches: (runKey: string) => boolean): void {
    // Innermost first: a branch's Parallel failed before the one around it.
    const keys = [...this.pendingFailures.keys()].filter(matches).sort((a, b) => b.length - a.length);
    for (const key of keys) {
      const failure = this.pendingFailures.get(key) as { type: string; lane: string; at: number };
      this.pendingFailures.delete(key);
      const run = this.runs.get(key);
      if (run) run.failed = true;
      this.append(failure.lane, { type: `${failure.type}StateFailed` }, failure.at);
    }
  }

  // --- Task attempts: a handler call is tied to the lane that entered (or retried) its state.

  private attemptStarted(attempt: Attempt): void {
    const lane = this.waiting.get(attempt.state)?.shift();
    if (lane === undefined) this.unbound.set(attempt.state, [...(this.unbound.get(attempt.state) ?? []), attempt]);
    else this.bind(attempt, lane);
  }

  private attemptEnded(attempt: Attempt, end: NonNullable<Attempt['end']>): void {
    attempt.end = end;
    if (attempt.lane !== undefined) this.appendEnd(attempt);
  }

  private entered(state: string, lane: string): void {
    const attempt = this.unbound.get(state)?.shift();
    if (attempt) this.bind(attempt, lane);
    else this.waiting.set(state, [...(this.waiting.get(state) ?? []), lane]);
  }

  /** The state ended: a lane still waiting never called its handler (its input failed first). */
  private finished(state: string, lane: string): void {
    const lanes = this.waiting.get(state);
    const index = lanes?.indexOf(lane) ?? -1;
    if (lanes && index !== -1) lanes.splice(index, 1);
  }

  private bind(attempt: Attempt, lane: string): void {
    attempt.lane = lane;
    const { task } = attempt;
    if (task.kind === 'lambda-invoke') {
      const scheduled = {
        resourceType: 'lambda',
        resource: task.resource,
        region: LOCAL_REGION,
        parameters: json(attempt.parameters),
        ...(task.timeoutSeconds === undefined ? {} : { timeoutInSeconds: task.timeoutSeconds }),
        ...(task.heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: task.heartbeatSeconds }),
      };
      this.append(lane, { type: 'TaskScheduled', taskScheduledEventDetails: scheduled }, attempt.startedAt);
      this.append(lane, { type: 'TaskStarted', taskStartedEventDetails: { resourceType: 'lambda', resource: task.resource } }, attempt.startedAt);
    } else {
      const scheduled = {
        resource: task.resource,
        input: json(attempt.parameters),
        inputDetails: { truncated: false },
        ...(task.timeoutSeconds === undefined ? {} : { timeoutInSeconds: task.timeoutSeconds }),
      };
      this.append(lane, { type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: scheduled }, attempt.startedAt);
      this.append(lane, { type: 'LambdaFunctionStarted' }, attempt.startedAt);
    }
    if (attempt.end) this.appendEnd(attempt);
  }

  private appendEnd(attempt: Attempt): void {
    const { task, end } = attempt;
    const lane = attempt.lane as string;
    if (!end) return;
    const prefix = task.kind === 'lambda-invoke' ? 'Task' : 'LambdaFunction';
    const target = task.kind === 'lambda-invoke' ? { resourceType: 'lambda', resource: task.resource } : {};
    const detailsOf = (type: string, details: object): HistoryEventBody => ({ type, [`${type[0].toLowerCase()}${type.slice(1)}EventDetails`]: details });
    if (end.error === undefined) {
      this.append(lane, detailsOf(`${prefix}Succeeded`, { ...target, output: json(end.output), outputDetails: { truncated: false } }), end.at);
    } else {
      const timedOut = end.error === 'States.Timeout';
      this.append(lane, detailsOf(`${prefix}${timedOut ? 'TimedOut' : 'Failed'}`, { ...target, error: end.error, cause: end.cause }), end.at);
    }
  }

  // --- Writing events.

  private append(lane: string, body: HistoryEventBody, timestampMs: number, options: { keepHead?: boolean } = {}): number {
    const id = this.history.length + 1;
    this.history.push({ ...body, id, previousEventId: this.head(lane), timestamp: timestampMs / 1000 });
    if (!options.keepHead) this.heads.set(lane, id);
    return id;
  }

  /** An event that ends the execution wherever it stood (abort, timeout): it follows the last event. */
  private appendLast(body: HistoryEventBody, timestampMs: number): void {
    const id = this.history.length + 1;
    this.history.push({ ...body, id, previousEventId: id - 1, timestamp: timestampMs / 1000 });
  }
}
