import type { StateMachine } from 'aws-local-stepfunctions';

/** One event of aws-local-stepfunctions' `eventLogs` (the type is not exported by name). */
export type EngineEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A history event's type and its `<type>EventDetails` member. */
export interface HistoryEventBody {
  readonly type: string;
  readonly [details: string]: unknown;
}

/** A Step Functions history event as GetExecutionHistory returns it (timestamp in epoch seconds). */
export type HistoryEvent = HistoryEventBody & {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
};

const LOCAL_ROLE_ARN = 'arn:aws:iam::000000000000:role/StackProLocalStepFunctions';

const json = (value: unknown) => JSON.stringify(value ?? null);
const cause = (value: unknown) => (typeof value === 'string' ? value : json(value));

/**
 * Maps an engine event to the nearest Step Functions history event, or undefined for engine-only events
 * (retries show up as repeated TaskFailed events, as they do in AWS).
 */
export function toHistoryEventBody(event: EngineEvent): HistoryEventBody | undefined {
  switch (event.type) {
    case 'ExecutionStarted':
      return {
        type: 'ExecutionStarted',
        executionStartedEventDetails: { input: json(event.input), inputDetails: { truncated: false }, roleArn: LOCAL_ROLE_ARN },
      };
    case 'ExecutionSucceeded':
      return {
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } },
      };
    case 'ExecutionFailed':
      return { type: 'ExecutionFailed', executionFailedEventDetails: { error: event.Error, cause: cause(event.Cause) } };
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', executionAbortedEventDetails: {} };
    case 'ExecutionTimeout':
      return { type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } };
    case 'StateEntered':
      return {
        type: `${event.state.type}StateEntered`,
        stateEnteredEventDetails: { name: event.state.name, input: json(event.state.input), inputDetails: { truncated: false } },
      };
    case 'StateExited':
      return {
        type: `${event.state.type}StateExited`,
        stateExitedEventDetails: { name: event.state.name, output: json(event.state.output), outputDetails: { truncated: false } },
      };
    case 'StateFailed':
      if (event.state.type === 'Task') {
        return {
          type: 'TaskFailed',
          taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: event.Error, cause: cause(event.Cause) },
        };
      }
      if (event.state.type === 'Map' || event.state.type === 'Parallel') {
        return { type: `${event.state.type}StateFailed` };
      }
      return undefined;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const detailsKey = `${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`;
      return { type: event.type, [detailsKey]: { name: event.parentState.name, index: event.index } };
    }
    default:
      return undefined;
  }
}

/** Numbers events in order, linking each to the one before, as the console and SDK expect. */
export function appendHistoryEvent(history: HistoryEvent[], body: HistoryEventBody, timestampMs: number): void {
  const id = history.length + 1;
  history.push({ ...body, id, previousEventId: id - 1, timestamp: timestampMs / 1000 });
}
