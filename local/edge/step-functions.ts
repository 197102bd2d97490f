import { randomUUID } from 'node:crypto';
import type { ExecutionRecord, ExecutionStatus } from '../step-functions/execution-store';
import type { StepFunctionsEngine } from '../step-functions/engine';
import { AwsServiceError, awsJsonService, epochSeconds, optionalString, requiredString } from './aws-json';
import type { EdgeService } from './edge-service';

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const ARN_PREFIX = 'arn:aws:states:';

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
        const events = input.reverseOrder === true ? [...record.history].reverse() : record.history;
        return paginate(events, input, 100, 'events', (event) => (includeData ? event : withoutData(event)));
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

/** `maxResults` pages with an opaque `nextToken` (here: the next offset), as the SDK paginators expect. */
function paginate<T, R>(
  items: readonly T[],
  input: Record<string, unknown>,
  defaultPageSize: number,
  key: string,
  map: (item: T) => R,
): Record<string, unknown> {
  const pageSize = typeof input.maxResults === 'number' && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : defaultPageSize;
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
