import { randomUUID } from 'node:crypto';
import type { ExecutionRecord, ExecutionStatus } from '../step-functions/execution-store';
import type { StateMachineInfo, StepFunctionsEngine } from '../step-functions/engine';
import type { HistoryEvent } from '../step-functions/history';
import { LOCAL_ACCOUNT_ID } from '../local-env';
import { AwsServiceError, awsJsonService, epochSeconds, optionalString, requiredString } from './aws-json';
import type { EdgeService } from './edge-service';

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const ARN_PREFIX = 'arn:aws:states:';
/** The role the local engine runs as (what ExecutionStarted names too). */
// A function, not a constant: local-env is part of an import cycle with the workflows module.
const localRoleArn = () => `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/StackProLocalStepFunctions`;

/** Step Functions on the awsJson1_0 wire protocol (`X-Amz-Target: AWSStepFunctions.<Operation>`). */
export function stepFunctionsService(engine: StepFunctionsEngine): EdgeService {
  const findExecution = (input: Record<string, unknown>): ExecutionRecord => {
    const arn = requiredArn(input, 'executionArn');
    const record = engine.describe(arn);
    if (!record) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  };

  return awsJsonService({
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    operations: {
      StartExecution: (input) => {
        const record = engine.start({
          stateMachineArn: requiredArn(input, 'stateMachineArn'),
          name: optionalString(input, 'name') ?? randomUUID(),
          input: optionalString(input, 'input') ?? '{}',
        });
        return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate) };
      },

      DescribeExecution: (input) => {
        const record = findExecution(input);
        return {
          ...summary(record),
          input: record.input,
          inputDetails: { included: true },
          ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
          ...(record.error === undefined ? {} : { error: record.error }),
          ...(record.cause === undefined ? {} : { cause: record.cause }),
          redriveCount: 0,
          redriveStatus: 'NOT_REDRIVABLE',
        };
      },

      ListExecutions: (input) => {
        const stateMachineArn = requiredArn(input, 'stateMachineArn');
        if (!engine.hasStateMachine(stateMachineArn)) {
          throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
        }
        const statusFilter = optionalString(input, 'statusFilter');
        if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
          throw new AwsServiceError('ValidationException', `statusFilter must be one of ${STATUSES.join(', ')}`);
        }
        const matching = engine.list(stateMachineArn).filter((record) => !statusFilter || record.status === statusFilter);
        return paginate(matching, input, 100, 'executions', summary);
      },

      GetExecutionHistory: (input) => {
        const record = findExecution(input);
        const includeData = input.includeExecutionData !== false;
        return historyPage(record.history, input, (event) => (includeData ? event : withoutData(event)));
      },

      ListStateMachines: (input) => paginate(engine.stateMachines(), input, 100, 'stateMachines', (machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: epochSeconds(machine.createdAt),
      })),

      DescribeStateMachine: (input) => {
        const arn = requiredArn(input, 'stateMachineArn');
        const machine = engine.stateMachine(arn);
        if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        return { ...describeMachine(machine), status: 'ACTIVE', type: 'STANDARD', creationDate: epochSeconds(machine.createdAt) };
      },

      DescribeStateMachineForExecution: (input) => {
        const record = findExecution(input);
        const machine = engine.stateMachine(record.stateMachineArn);
        if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${record.stateMachineArn}'`);
        return { ...describeMachine(machine), updateDate: epochSeconds(machine.createdAt) };
      },

      StopExecution: async (input) => {
        const record = findExecution(input);
        const stopped = await engine.stop(record.executionArn, {
          error: optionalString(input, 'error'),
          cause: optionalString(input, 'cause'),
        });
        return { stopDate: epochSeconds(stopped?.stopDate ?? Date.now()) };
      },
    },
  });
}

/** The members DescribeStateMachine and DescribeStateMachineForExecution share. */
function describeMachine(machine: StateMachineInfo) {
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    definition: machine.definition,
    roleArn: localRoleArn(),
    loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  };
}

function summary(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate === undefined ? {} : { stopDate: epochSeconds(record.stopDate) }),
  };
}

function requiredArn(input: Record<string, unknown>, member: string): string {
  const arn = requiredString(input, member);
  if (!arn.startsWith(ARN_PREFIX)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
  return arn;
}

/** `maxResults` as AWS reads it: 0 or absent is the default page, 1 to 1000 is a page of that size. */
function pageSizeOf(input: Record<string, unknown>, defaultPageSize: number): number {
  const value = input.maxResults;
  if (value === undefined || value === null || value === 0) return defaultPageSize;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new AwsServiceError('ValidationException', `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`);
  }
  return value;
}

/**
 * GetExecutionHistory's pages: the token names the next event id and the direction, so paging a running
 * execution neither skips nor repeats events as new ones arrive (offsets would shift in reverse order).
 */
function historyPage(
  history: readonly HistoryEvent[],
  input: Record<string, unknown>,
  map: (event: HistoryEvent) => HistoryEvent,
): Record<string, unknown> {
  const pageSize = pageSizeOf(input, 100);
  const reverse = input.reverseOrder === true;
  const token = optionalString(input, 'nextToken');
  let from = reverse ? history.length : 1;
  if (token !== undefined) {
    const match = /^(f|r)(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!match || (match[1] === 'r') !== reverse) throw new AwsServiceError('InvalidToken', 'Invalid Token: the token does not belong to this request');
    from = Number(match[2]);
  }
  const ids = reverse ? range(from, Math.max(1, from - pageSize + 1), -1) : range(from, Math.min(history.length, from + pageSize - 1), 1);
  const events = ids.map((id) => map(history[id - 1]));
  const next = reverse ? from - pageSize : from + pageSize;
  const more = reverse ? next >= 1 : next <= history.length;
  return { events, ...(more ? { nextToken: Buffer.from(`${reverse ? 'r' : 'f'}${next}`).toString('base64url') } : {}) };
}

function range(from: number, to: number, step: 1 | -1): number[] {
  const ids: number[] = [];
  for (let id = from; step > 0 ? id <= to : id >= to; id += step) ids.push(id);
  return ids;
}

/** `maxResults` pages with an opaque `nextToken` (here: the next offset), as the SDK paginators expect. */
function paginate<T, R>(
  items: readonly T[],
  input: Record<string, unknown>,
  defaultPageSize: number,
  key: string,
  map: (item: T) => R,
): Record<string, unknown> {
  const pageSize = pageSizeOf(input, defaultPageSize);
  const token = optionalString(input, 'nextToken');
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new AwsServiceError('InvalidToken', 'Invalid Token');
  const page = items.slice(offset, offset + pageSize).map(map);
  const next = offset + pageSize < items.length ? Buffer.from(String(offset + pageSize)).toString('base64url') : undefined;
  return { [key]: page, ...(next === undefined ? {} : { nextToken: next }) };
}

/** includeExecutionData=false: the same events without inputs and outputs. */
function withoutData<T extends object>(event: T): T {
  return Object.fromEntries(
    Object.entries(event).map(([name, value]) => {
      if (!name.endsWith('EventDetails') || !value || typeof value !== 'object') return [name, value];
      const rest = Object.entries(value as Record<string, unknown>).filter(([key]) => key !== 'input' && key !== 'output');
      return [name, Object.fromEntries(rest)];
    }),
  ) as T;
}
