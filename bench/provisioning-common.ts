import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local/local-env';
import { PROVISION_CUSTOMER } from '../statemachines/workflows';
import type { Account } from './api-latency';

const REQUEST_TIMEOUT_MS = 10_000;

export interface StatusBody {
  readonly status?: string;
  readonly services?: { readonly email?: string };
  readonly failureReason?: string;
  readonly provisioning?: { readonly executionName?: string; readonly currentStep?: string | null };
}

/** GET /customers/{id}/status: the body, or `{status: 'HTTP <code>'}` / `{status: <error name>}` when it failed. */
export async function readStatus(apiUrl: string, account: Account): Promise<StatusBody> {
  try {
    const response = await fetch(`${apiUrl}/customers/${account.customerId}/status`, {
      headers: { authorization: `Bearer ${account.accessToken}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => ({}))) as StatusBody;
    return response.status === 200 && body.status ? body : { status: `HTTP ${response.status}` };
  } catch (error) {
    return { status: (error as Error).name };
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Step Functions at the stack's edge URL (the local engine speaks the JSON protocol); no retries. */
export function sfnClient(edgeUrl: string): SFNClient {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new SFNClient({
    endpoint: edgeUrl,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
}

/** The local engine's execution ARN (as local/step-functions/engine.ts builds it: the workflow id names the machine). */
export function provisioningExecutionArn(name: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${PROVISION_CUSTOMER.id}:${name}`;
}

export interface ExecutionFacts {
  readonly name: string;
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly HistoryEvent[];
}

/** DescribeExecution + every page of GetExecutionHistory (bounded: 50 pages of 1,000 events). */
export async function executionFacts(client: SFNClient, name: string): Promise<ExecutionFacts> {
  const executionArn = provisioningExecutionArn(name);
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const result = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(result.events ?? []));
    nextToken = result.nextToken;
    if (!nextToken) break;
  }
  return { name, status: described.status ?? 'UNKNOWN', error: described.error, cause: described.cause, events };
}

/** Waits (bounded) until the execution is no longer RUNNING; returns its last DescribeExecution status. */
export async function waitForExecutionEnd(client: SFNClient, name: string, deadline: number, pauseMs: number): Promise<string> {
  let status = 'UNKNOWN';
  while (Date.now() < deadline) {
    status = (await client.send(new DescribeExecutionCommand({ executionArn: provisioningExecutionArn(name) }))).status ?? 'UNKNOWN';
    if (status !== 'RUNNING') return status;
    await sleep(pauseMs);
  }
  return status;
}

const ms = (event: HistoryEvent) => (event.timestamp instanceof Date ? event.timestamp.getTime() : Number.NaN);

export interface HistoryFigures {
  /**
   * What Step Functions Standard bills as state transitions: StateEntered events of any state type, plus one
   * per retry (a retry runs the Task again without entering the state again, and is billed as a transition).
   */
  readonly transitions: number;
  /** TaskStateEntered + retries (a retry invokes the Lambda again). */
  readonly invocations: number;
  readonly taskFailures: number;
  /** TaskFailed events whose error a Retry caught (not-ready checks, transient failures). */
  readonly retries: number;
  /** Each Task's run, entered to exited (ms), by state name. */
  readonly taskDurations: { name: string; ms: number }[];
  readonly startMs: number;
  /** When the named state was first exited (epoch ms). */
  exitedAt(name: string): number | undefined;
}

/**
 * `retried` says which TaskFailed errors a Retry caught (the history does not say which were then caught by
 * a Catch instead); by default every TaskFailed counts as a retry, which is exact on a happy path without Catch.
 */
export function historyFigures(events: readonly HistoryEvent[], retried: (error: string) => boolean = () => true): HistoryFigures {
  const entered = events.filter((event) => event.type?.endsWith('StateEntered'));
  const failed = events.filter((event) => event.type === 'TaskFailed');
  const taskFailures = failed.length;
  const retries = failed.filter((event) => retried(event.taskFailedEventDetails?.error ?? '')).length;
  const open = new Map<string, number[]>();
  const taskDurations: { name: string; ms: number }[] = [];
  const exited = new Map<string, number>();
  for (const event of events) {
    const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
    if (!name) continue;
    if (event.type === 'TaskStateEntered') open.set(name, [...(open.get(name) ?? []), ms(event)]);
    if (event.type === 'TaskStateExited') {
      const started = open.get(name)?.shift();
      if (started !== undefined) taskDurations.push({ name, ms: ms(event) - started });
    }
    if (event.type?.endsWith('StateExited') && !exited.has(name)) exited.set(name, ms(event));
  }
  const started = events.find((event) => event.type === 'ExecutionStarted');
  return {
    transitions: entered.length + retries,
    invocations: entered.filter((event) => event.type === 'TaskStateEntered').length + retries,
    taskFailures,
    retries,
    taskDurations,
    startMs: started ? ms(started) : Number.NaN,
    exitedAt: (name) => exited.get(name),
  };
}

export interface DynamoDbCountRow {
  readonly origin: string;
  readonly operation: string;
  readonly customer: string;
  readonly consistent: boolean;
  readonly items: number;
  readonly count: number;
}

/** What bench/dynamodb-counter.mjs wrote (empty when it wrote nothing yet). */
export function readDynamoDbCounts(file: string): DynamoDbCountRow[] {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { rows: DynamoDbCountRow[] }).rows;
  } catch {
    return [];
  }
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

export interface RequestUnits {
  readonly reads: number;
  readonly writes: number;
  readonly rru: number;
  readonly wru: number;
}

/**
 * Request units under on-demand billing, for items under 1 KB (writes) and 4 KB (reads), which all of
 * ours are: a write 1 WRU, a transactional write 2 per item; a strongly consistent read 1 RRU, an
 * eventually consistent one 0.5 (a Query of under 4 KB the same).
 */
export function requestUnits(rows: readonly DynamoDbCountRow[]): RequestUnits {
  let reads = 0;
  let writes = 0;
  let rru = 0;
  let wru = 0;
  for (const row of rows) {
    if (WRITE_OPERATIONS.has(row.operation)) {
      writes += row.count;
      wru += row.count * (row.operation.startsWith('Transact') ? 2 * row.items : row.items);
    } else if (READ_OPERATIONS.has(row.operation)) {
      reads += row.count;
      rru += row.count * (row.operation.startsWith('Transact') ? 2 * row.items : row.consistent ? 1 : 0.5);
    }
  }
  return { reads, writes, rru, wru };
}
