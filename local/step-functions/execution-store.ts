import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendHistoryEvent, type HistoryEvent } from './history';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Everything DescribeExecution and GetExecutionHistory answer from; one JSON file per execution. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** As given to StartExecution: a JSON string. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  history: HistoryEvent[];
}

export const INTERRUPTED_CAUSE = 'The local stack stopped while this execution was running; it was not resumed.';

/** Keeps execution records under `<dataDir>/executions/` so they outlive a restart. */
export class ExecutionStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  save(record: ExecutionRecord): void {
    const file = this.fileFor(record);
    // Write then rename, so a crash mid-write never leaves half a record behind.
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }

  /**
   * Every stored record. Executions that were RUNNING when the process died cannot be resumed (their
   * in-flight state was in memory), so they come back ABORTED, saying why; `onInterrupted` hears of each
   * (the status change event AWS would send).
   */
  loadAll(now = Date.now(), onInterrupted?: (record: ExecutionRecord) => void): ExecutionRecord[] {
    return readdirSync(this.dir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(path.join(this.dir, file), 'utf8')) as ExecutionRecord)
      .map((record) => {
        if (record.status !== 'RUNNING') return record;
        const aborted: ExecutionRecord = {
          ...record,
          status: 'ABORTED',
          error: 'States.Runtime',
          cause: INTERRUPTED_CAUSE,
          stopDate: now,
          history: [...record.history],
        };
        const details = { error: aborted.error, cause: aborted.cause };
        appendHistoryEvent(aborted.history, { type: 'ExecutionAborted', executionAbortedEventDetails: details }, now);
        // Reported before it is saved: a crash in between reports it again at the next start.
        onInterrupted?.(aborted);
        this.save(aborted);
        return aborted;
      });
  }

  private fileFor(record: ExecutionRecord): string {
    // Names are [A-Za-z0-9_-] and unique per state machine, so this is a safe, unique file name.
    const stateMachineName = record.stateMachineArn.split(':').pop();
    return path.join(this.dir, `${stateMachineName}.${record.name}.json`);
  }
}
