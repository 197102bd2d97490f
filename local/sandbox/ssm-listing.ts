import { AwsServiceError, epochSeconds, type JsonOperation, optionalString } from '../edge/aws-json';
import type { SandboxClock } from './clock';
import type { InvocationStatus, SsmModel, StoredCommand } from './ssm';

/**
 * ListCommands and ListCommandInvocations, the Run Command reads support staff make
 * (`aws ssm list-commands --instance-id i-...`), with SSM's filters and pages.
 */
export function commandListingOperations(model: SsmModel, clock: SandboxClock): Record<string, JsonOperation> {
  return {
    ListCommands: (input) => {
      const now = clock.now();
      const filters = filtersOf(input);
      const commands = selectCommands(model, input).filter((command) => matchesFilters(filters, command, model.status(command, now)));
      const page = paginate(commands, input);
      return { Commands: page.items.map((command) => commandMembers(command, model.status(command, now))), ...page.next };
    },

    ListCommandInvocations: (input) => {
      const now = clock.now();
      const instanceId = optionalString(input, 'InstanceId');
      const details = input.Details === true;
      const filters = filtersOf(input);
      // An invocation appears a moment after SendCommand, as GetCommandInvocation's does.
      const invocations = selectCommands(model, input)
        .filter((command) => now >= command.visibleAt && matchesFilters(filters, command, model.status(command, now)))
        .flatMap((command) => command.instanceIds.filter((id) => instanceId === undefined || id === instanceId).map((id) => ({ command, instanceId: id })));
      const page = paginate(invocations, input);
      return {
        CommandInvocations: page.items.map(({ command, instanceId: id }) => invocationMembers(command, id, model.status(command, now), details, now)),
        ...page.next,
      };
    },
  };
}

const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;
const COMMAND_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILTER_KEYS = ['InvokedAfter', 'InvokedBefore', 'Status', 'ExecutionStage', 'DocumentName'];
const COMMAND_STATUSES = ['Pending', 'InProgress', 'Success', 'Cancelled', 'Failed', 'TimedOut', 'Cancelling'];

/** Newest first, narrowed by CommandId and InstanceId (a malformed or unknown one is an error, as in SSM). */
function selectCommands(model: SsmModel, input: Record<string, unknown>): StoredCommand[] {
  const commandId = optionalString(input, 'CommandId');
  const instanceId = optionalString(input, 'InstanceId');
  if (commandId !== undefined && !COMMAND_ID.test(commandId)) throw new AwsServiceError('InvalidCommandId', `Invalid command id ${commandId}`);
  if (instanceId !== undefined && !INSTANCE_ID.test(instanceId)) throw new AwsServiceError('InvalidInstanceId', `Invalid instance id ${instanceId}`);
  const commands = model
    .commands()
    .filter((command) => commandId === undefined || command.commandId === commandId)
    .filter((command) => instanceId === undefined || command.instanceIds.includes(instanceId))
    .sort((a, b) => b.requestedAt - a.requestedAt);
  if (commandId !== undefined && commands.length === 0 && instanceId === undefined) {
    throw new AwsServiceError('InvalidCommandId', `Command ${commandId} does not exist`);
  }
  return commands;
}

interface CommandFilter {
  readonly key: string;
  readonly value: string;
}

function filtersOf(input: Record<string, unknown>): CommandFilter[] {
  if (input.Filters === undefined) return [];
  if (!Array.isArray(input.Filters) || input.Filters.length > 5) throw new AwsServiceError('ValidationException', 'Filters must be a list of at most 5 filters');
  return (input.Filters as { key?: unknown; value?: unknown }[]).map((filter) => {
    if (typeof filter?.key !== 'string' || !FILTER_KEYS.includes(filter.key)) {
      throw new AwsServiceError('InvalidFilterKey', `Invalid filter key ${String(filter?.key)}; valid keys: ${FILTER_KEYS.join(', ')}`);
    }
    if (typeof filter.value !== 'string' || filter.value === '') throw new AwsServiceError('InvalidFilterValue', `The filter ${filter.key} needs a value`);
    const { key, value } = filter as CommandFilter;
    if ((key === 'InvokedAfter' || key === 'InvokedBefore') && Number.isNaN(Date.parse(value))) {
      throw new AwsServiceError('InvalidFilterValue', `${key} must be an ISO 8601 timestamp, as 2026-12-01T00:00:00Z`);
    }
    if (key === 'Status' && !COMMAND_STATUSES.includes(value)) throw new AwsServiceError('InvalidFilterValue', `Status must be one of ${COMMAND_STATUSES.join(', ')}`);
    if (key === 'ExecutionStage' && value !== 'Executing' && value !== 'Complete') throw new AwsServiceError('InvalidFilterValue', 'ExecutionStage must be Executing or Complete');
    return { key, value };
  });
}

function matchesFilters(filters: readonly CommandFilter[], command: StoredCommand, status: InvocationStatus): boolean {
  return filters.every(({ key, value }) => {
    switch (key) {
      case 'InvokedAfter':
        return command.requestedAt >= Date.parse(value);
      case 'InvokedBefore':
        return command.requestedAt <= Date.parse(value);
      case 'Status':
        return status === value;
      case 'ExecutionStage':
        return (value === 'Executing') === (status === 'Pending' || status === 'InProgress');
      default:
        // The document name filter matches a prefix, as SSM does.
        return command.documentName.startsWith(value);
    }
  });
}

/** MaxResults 1-50 (default 50) and an opaque NextToken. */
function paginate<T>(items: readonly T[], input: Record<string, unknown>): { items: T[]; next: { NextToken?: string } } {
  const max = input.MaxResults;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50)) {
    throw new AwsServiceError('ValidationException', `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`);
  }
  const pageSize = (max as number | undefined) ?? 50;
  const token = optionalString(input, 'NextToken');
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new AwsServiceError('InvalidNextToken', 'The specified token is not valid.');
  const end = offset + pageSize;
  return { items: items.slice(offset, end), next: end < items.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {} };
}

/** A command's StatusDetails as SSM words them (an invocation's differ: see GetCommandInvocation). */
const COMMAND_STATUS_DETAILS: Record<InvocationStatus, string> = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Success: 'Success',
  Failed: 'Failed',
  TimedOut: 'ExecutionTimedOut',
  Cancelled: 'Cancelled',
};

const done = (status: InvocationStatus) => status !== 'Pending' && status !== 'InProgress';

/** A `Command` as ListCommands returns it (the same shape as SendCommand's). */
function commandMembers(command: StoredCommand, status: InvocationStatus) {
  const count = command.instanceIds.length;
  return {
    CommandId: command.commandId,
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: command.comment ?? '',
    ExpiresAfter: epochSeconds(command.requestedAt + command.timeoutSeconds * 1000),
    Parameters: command.parameters,
    InstanceIds: command.instanceIds,
    Targets: [],
    RequestedDateTime: epochSeconds(command.requestedAt),
    Status: status,
    StatusDetails: COMMAND_STATUS_DETAILS[status],
    MaxConcurrency: '50',
    MaxErrors: '0',
    TargetCount: count,
    CompletedCount: done(status) ? count : 0,
    ErrorCount: status === 'Failed' || status === 'TimedOut' ? count : 0,
    DeliveryTimedOutCount: 0,
    TimeoutSeconds: command.timeoutSeconds,
    CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
  };
}

function invocationMembers(command: StoredCommand, instanceId: string, status: InvocationStatus, details: boolean, now: number) {
  const finished = done(status);
  const plugin = {
    Name: 'deploy',
    Status: status,
    StatusDetails: COMMAND_STATUS_DETAILS[status],
    ResponseCode: finished ? (status === 'Success' ? 0 : (command.responseCode ?? 1)) : -1,
    ...(status === 'Pending' ? {} : { ResponseStartDateTime: epochSeconds(command.inProgressAt) }),
    ...(finished ? { ResponseFinishDateTime: epochSeconds(Math.min(now, command.doneAt)) } : {}),
    Output: finished ? `StackPro deploy (${command.documentName}) ${status === 'Success' ? 'finished' : 'failed'} in the local sandbox\n` : '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    OutputS3BucketName: '',
    OutputS3KeyPrefix: '',
  };
  return {
    CommandId: command.commandId,
    InstanceId: instanceId,
    InstanceName: '',
    Comment: command.comment ?? '',
    DocumentName: command.documentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: epochSeconds(command.requestedAt),
    Status: status,
    StatusDetails: COMMAND_STATUS_DETAILS[status],
    TraceOutput: '',
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details ? [plugin] : [],
    ServiceRole: '',
    NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
    CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
  };
}
