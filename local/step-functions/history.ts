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

/** Appends an event that ends an execution from outside its run (stopped, or found interrupted at restart): it follows the last event. */
export function appendHistoryEvent(history: HistoryEvent[], body: HistoryEventBody, timestampMs: number): void {
  const id = history.length + 1;
  history.push({ ...body, id, previousEventId: id - 1, timestamp: timestampMs / 1000 });
}
