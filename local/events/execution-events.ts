import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  EXECUTION_EVENT_SOURCE,
  EXECUTION_STATUS_CHANGE,
  type ExecutionStatusChangeDetailOut,
  STOPPED_STATUSES,
  type StoppedStatus,
} from '../../lambdas/workflows/execution-events';
import type { ExecutionRecord } from '../step-functions/execution-store';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';

/** The EventBridge event the local stack delivers, shaped as AWS sends "Step Functions Execution Status Change". */
export interface ExecutionStatusChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof EXECUTION_STATUS_CHANGE;
  readonly source: typeof EXECUTION_EVENT_SOURCE;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: ExecutionStatusChangeDetailOut;
}

export interface ExecutionEventsOptions {
  /** Pending events live in `<dir>/pending/` until delivered, so a crash between the two loses none. */
  readonly dir: string;
  /** The rule's target (the same handler CDK wires). A throw is a failed delivery, retried. */
  readonly deliver: (event: ExecutionStatusChangeEvent) => Promise<unknown>;
  /**
   * Waits between delivery attempts (EventBridge retries with backoff for up to 24 hours); after the last,
   * the event moves to `<dir>/dead-letter/`, as to the target's DLQ in AWS. @default 0.2, 1, 5, 15, 60 s
   */
  readonly retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [200, 1_000, 5_000, 15_000, 60_000];

/**
 * The local stand-in for the EventBridge rule on Step Functions execution status changes (FAILED,
 * TIMED_OUT, ABORTED) of our state machines: the Step Functions engine reports every ended execution here,
 * including those a StopExecution at the edge aborted and those a crash of the stack left RUNNING (marked
 * ABORTED at the next start), and each event is delivered to the rule's target at least once.
 *
 * An event is written to disk when the execution ends and removed once delivered; deliveries start with
 * `start()` (once the stack answers) and stop with `stop()` (before the engine aborts what still runs at
 * shutdown: those events wait on disk for the next start, when the stack can act on them).
 */
export class ExecutionEvents {
  private readonly pendingDir: string;
  private readonly deadLetterDir: string;
  private readonly retryDelaysMs: readonly number[];
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private started = false;

  constructor(private readonly options: ExecutionEventsOptions) {
    this.pendingDir = path.join(options.dir, 'pending');
    this.deadLetterDir = path.join(options.dir, 'dead-letter');
    mkdirSync(this.pendingDir, { recursive: true });
    mkdirSync(this.deadLetterDir, { recursive: true });
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  }

  /** An execution ended: if the rule matches it, its event is stored at once and delivered when started. */
  emit(record: ExecutionRecord): void {
    if (!isStopped(record.status)) return;
    const event = executionStatusChangeEvent(record, record.status);
    const file = this.fileFor(record.executionArn);
    // Write then rename: a crash mid-write never leaves half an event. One file per execution: an execution ends once.
    writeFileSync(`${file}.tmp`, JSON.stringify(event));
    renameSync(`${file}.tmp`, file);
    if (this.started) this.deliver(file, 0);
  }

  /** Delivers every stored event (those a previous run left too), and from now on each as it is emitted. */
  start(): void {
    this.started = true;
    for (const name of readdirSync(this.pendingDir)) {
      if (name.endsWith('.json')) this.deliver(path.join(this.pendingDir, name), 0);
    }
  }

  /** Stops delivering (events emitted later wait on disk) and waits for the deliveries in progress. */
  async stop(): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.inFlight.values());
  }

  /** Resolves once no delivery is in progress or waiting for a retry (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      await Promise.all(this.inFlight.values());
      if (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private deliver(file: string, attempt: number): void {
    if (this.inFlight.has(file)) return;
    const delivery = (async () => {
      let event: ExecutionStatusChangeEvent;
      try {
        event = JSON.parse(readFileSync(file, 'utf8')) as ExecutionStatusChangeEvent;
      } catch {
        return; // Delivered and removed by an earlier attempt.
      }
      try {
        await this.options.deliver(event);
        rmSync(file, { force: true });
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (attempt >= this.retryDelaysMs.length || !this.started) {
          if (this.started) {
            renameSync(file, path.join(this.deadLetterDir, path.basename(file)));
            console.error(`[events] ${event.detail.name}: delivery failed for good (${reason}); kept in ${this.deadLetterDir}`);
          }
          return;
        }
        console.warn(`[events] ${event.detail.name}: delivery failed (${reason}); retrying`);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (this.started) this.deliver(file, attempt + 1);
        }, this.retryDelaysMs[attempt]);
        timer.unref();
        this.timers.add(timer);
      }
    })().finally(() => this.inFlight.delete(file));
    this.inFlight.set(file, delivery);
  }

  private fileFor(executionArn: string): string {
    return path.join(this.pendingDir, `${createHash('sha256').update(executionArn).digest('hex').slice(0, 32)}.json`);
  }
}

function isStopped(status: string): status is StoppedStatus {
  return (STOPPED_STATUSES as readonly string[]).includes(status);
}

/** The event AWS would send for this execution's end (dates in epoch milliseconds, input and output as strings). */
export function executionStatusChangeEvent(record: ExecutionRecord, status: StoppedStatus): ExecutionStatusChangeEvent {
  const stopDate = record.stopDate ?? Date.now();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: EXECUTION_EVENT_SOURCE,
    account: LOCAL_ACCOUNT_ID,
    time: new Date(stopDate).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status,
      startDate: record.startDate,
      stopDate,
      input: record.input,
      output: record.output ?? null,
      inputDetails: { included: true },
      outputDetails: record.output === undefined ? null : { included: true },
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}
