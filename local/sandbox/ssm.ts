import { randomUUID } from 'node:crypto';
import { CURRENT_APP_VERSION } from '../../lambdas/core/app-versions';
import { AwsServiceError, awsJsonService, epochSeconds, type JsonOperation, optionalString, requiredString } from '../edge/aws-json';
import { LOCAL_ACCOUNT_ID } from '../local-env';
import type { SandboxClock } from './clock';
import type { Ec2Model, StoredInstance } from './ec2';
import type { FaultQueue } from './faults';
import { JsonFile } from './json-file';
import type { SandboxService } from './registry';
import { commandListingOperations } from './ssm-listing';

export type CommandOutcome = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
export type InvocationStatus = 'Pending' | 'InProgress' | CommandOutcome;

export interface StoredCommand {
  readonly commandId: string;
  readonly documentName: string;
  readonly instanceIds: readonly string[];
  readonly parameters: Readonly<Record<string, readonly string[]>>;
  readonly comment?: string;
  readonly timeoutSeconds: number;
  readonly requestedAt: number;
  /** GetCommandInvocation answers InvocationDoesNotExist until then. */
  readonly visibleAt: number;
  readonly inProgressAt: number;
  readonly doneAt: number;
  readonly outcome: CommandOutcome;
  /** The script's exit code when it failed on purpose (3: the deploy document's health check); else 0 or 1 by outcome. */
  readonly responseCode?: number;
  readonly standardError?: string;
}

/** A Parameter Store parameter; SecureString values are kept as given (the sandbox has no KMS). */
export interface StoredParameter {
  readonly name: string;
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
  readonly lastModified: number;
  readonly tags: Readonly<Record<string, string>>;
}

interface SsmState {
  commands: StoredCommand[];
  /** Absent in files written before Parameter Store was modelled. */
  parameters?: StoredParameter[];
}

export interface SsmSettings {
  /** DEPLOY_DOCUMENT_NAME: the one custom document the account has (besides AWS's own). */
  readonly deployDocumentName: string;
}

const AWS_DOCUMENTS = ['AWS-RunShellScript'];
/** The deploy document's exit code when the apps do not answer after the containers were replaced (lib/deploy-document.ts). */
const HEALTH_CHECK_EXIT_CODE = 3;
const MAX_TAGS = 50;
const PARAMETER_TYPES = ['String', 'StringList', 'SecureString'] as const;
/** A parameter name: letters, digits and `_.-/`, hierarchical names start with `/` (at most 15 levels). */
const PARAMETER_NAME = /^\/?[a-zA-Z0-9_.\-/]{1,1011}$/;
const COMMAND_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Run Command: which instances have an agent online (from the EC2 model) and the commands sent; `ssm.json`. */
export class SsmModel {
  private state: SsmState;
  private readonly file: JsonFile<SsmState>;

  constructor(
    dir: string,
    private readonly settings: SsmSettings,
    private readonly clock: SandboxClock,
    private readonly ec2: Ec2Model,
  ) {
    this.file = new JsonFile(dir, 'ssm');
    this.state = this.file.load(() => ({ commands: [] }));
  }

  reset(): void {
    this.state = { commands: [] };
    this.persist();
  }

  commands(): readonly StoredCommand[] {
    return this.state.commands;
  }

  parameter(name: string): StoredParameter | undefined {
    return (this.state.parameters ?? []).find((parameter) => parameter.name === name);
  }

  /** PutParameter: refuses to replace a value unless `overwrite`, and tags only on creation (as AWS does). */
  putParameter(request: { name: string; type: StoredParameter['type']; value: string; overwrite: boolean; tags: Record<string, string> }): StoredParameter {
    const existing = this.parameter(request.name);
    if (existing && !request.overwrite) {
      throw new AwsServiceError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    }
    if (existing && Object.keys(request.tags).length > 0) {
      throw new AwsServiceError('ValidationException', 'Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.');
    }
    const stored: StoredParameter = {
      name: request.name,
      type: request.type,
      value: request.value,
      version: (existing?.version ?? 0) + 1,
      lastModified: this.clock.now(),
      tags: existing?.tags ?? request.tags,
    };
    this.state.parameters = [...(this.state.parameters ?? []).filter((parameter) => parameter.name !== request.name), stored];
    this.persist();
    return stored;
  }

  /** AddTagsToResource on a parameter: a tag key already there gets the new value. */
  tagParameter(name: string, tags: Record<string, string>): void {
    const existing = this.parameter(name);
    if (!existing) throw new AwsServiceError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.');
    const merged = { ...existing.tags, ...tags };
    if (Object.keys(merged).length > MAX_TAGS) throw new AwsServiceError('TooManyTagsError', `A resource can have at most ${MAX_TAGS} tags.`);
    this.state.parameters = (this.state.parameters ?? []).map((parameter) => (parameter.name === name ? { ...parameter, tags: merged } : parameter));
    this.persist();
  }

  /**
   * The agent registers a while after the instance first runs and pings while it runs; a stopped
   * instance shows ConnectionLost; a terminated one is deregistered.
   */
  pingStatus(instance: StoredInstance, now = this.clock.now()): 'Online' | 'ConnectionLost' | undefined {
    const { state } = this.ec2.stateOf(instance, now);
    const first = this.ec2.firstRunningAt(instance, now);
    const agentDelay = this.clock.realMs('ssmAgentOnline');
    if (state === 'terminated' || first === undefined || now < first + agentDelay) return undefined;
    const since = this.ec2.runningSince(instance, now);
    return since !== undefined && now >= since + agentDelay ? 'Online' : 'ConnectionLost';
  }

  get deployDocumentName(): string {
    return this.settings.deployDocumentName;
  }

  send(request: Omit<StoredCommand, 'commandId' | 'requestedAt' | 'visibleAt' | 'inProgressAt' | 'doneAt'>): StoredCommand {
    const known = [this.settings.deployDocumentName, ...AWS_DOCUMENTS];
    if (!known.includes(request.documentName)) throw new AwsServiceError('InvalidDocument', `Document with name ${request.documentName} does not exist.`);
    const now = this.clock.now();
    const notReady = request.instanceIds.filter((id) => {
      const instance = this.ec2.find(id);
      return !instance || this.pingStatus(instance, now) !== 'Online';
    });
    if (notReady.length > 0) {
      throw new AwsServiceError('InvalidInstanceId', `Instances [[${notReady.join(', ')}]] not in a valid state for account ${LOCAL_ACCOUNT_ID}`);
    }
    const inProgressAt = this.clock.after('ssmCommandPending', now);
    const command: StoredCommand = {
      ...request,
      commandId: randomUUID(),
      requestedAt: now,
      visibleAt: this.clock.after('ssmInvocationVisible', now),
      inProgressAt,
      doneAt: this.clock.after(request.documentName === 'AWS-RunShellScript' ? 'shellCommandDuration' : 'ssmCommandDuration', inProgressAt),
    };
    this.state.commands.push(command);
    this.persist();
    return command;
  }

  /**
   * The app version an instance's containers run: the AppVersion of the last deploy-document command that
   * finished there having replaced them (succeeded, or failed only its health check); none before the first.
   */
  appVersion(instanceId: string, now = this.clock.now()): string | undefined {
    const ran = this.state.commands.filter(
      (command) =>
        command.documentName === this.settings.deployDocumentName &&
        command.instanceIds.includes(instanceId) &&
        now >= command.doneAt &&
        (command.outcome === 'Success' || command.responseCode === HEALTH_CHECK_EXIT_CODE),
    );
    const last = ran.at(-1);
    return last ? (last.parameters.AppVersion?.[0] ?? CURRENT_APP_VERSION) : undefined;
  }

  status(command: StoredCommand, now = this.clock.now()): InvocationStatus {
    if (now < command.inProgressAt) return 'Pending';
    if (now < command.doneAt) return 'InProgress';
    return command.outcome;
  }

  private persist(): void {
    this.file.save(this.state);
  }
}

const STATUS_DETAILS: Record<InvocationStatus, string> = {
  Pending: 'Pending',
  InProgress: 'InProgress',
  Success: 'Success',
  Failed: 'Failed',
  TimedOut: 'ExecutionTimedOut',
  Cancelled: 'Cancelled',
};

/** HTTP status SSM answers each error code with (ThrottlingException is 400, on the SDK's throttling list). */
const ERROR_STATUS: Readonly<Record<string, number>> = { InternalServerError: 500, InternalError: 500, ServiceUnavailable: 503 };

/**
 * SSM on awsJson1_1 (`X-Amz-Target: AmazonSSM.<Op>`): the three Run Command calls the workflow makes (and
 * ListCommands and ListCommandInvocations, for support staff), and
 * the Parameter Store calls Deploy applications makes to create and tag a customer's secrets (plus
 * ListTagsForResource, so tests can see the tags). Values are never returned: there is no GetParameter here.
 */
export function ssmSandboxService(model: SsmModel, ec2: Ec2Model, clock: SandboxClock, queue: FaultQueue): SandboxService {
  const faults = queue.forService('ssm');
  const operations: Record<string, JsonOperation> = {
    DescribeInstanceInformation: (input) => {
      const filters = parseFilters(input);
      const now = clock.now();
      const list = ec2
        .all()
        .map((instance) => ({ instance, ping: model.pingStatus(instance, now) }))
        .filter(({ instance, ping }) => ping !== undefined && filters.every((filter) => filter.matches(instance.instanceId, ping)))
        .map(({ instance, ping }) => ({
          InstanceId: instance.instanceId,
          PingStatus: ping,
          LastPingDateTime: epochSeconds(ping === 'Online' ? now : (ec2.stateOf(instance, now).at ?? now)),
          AgentVersion: '3.3.1142.0',
          IsLatestVersion: true,
          PlatformType: 'Linux',
          PlatformName: 'Amazon Linux',
          PlatformVersion: '2023',
          ResourceType: 'EC2Instance',
          IPAddress: instance.privateIp,
          ComputerName: `ip-${instance.privateIp.replace(/\./g, '-')}.ec2.internal`,
          AssociationStatus: 'Success',
          SourceId: instance.instanceId,
          SourceType: 'AWS::EC2::Instance',
        }));
      return { InstanceInformationList: list };
    },

    SendCommand: (input) => {
      const documentName = requiredString(input, 'DocumentName');
      if (input.Targets !== undefined) throw new AwsServiceError('InvalidParameters', 'The local sandbox emulates InstanceIds only (no Targets)');
      const instanceIds = stringList(input.InstanceIds, 'InstanceIds');
      if (instanceIds.length === 0 || instanceIds.length > 50) throw new AwsServiceError('InvalidParameters', 'InstanceIds must name 1 to 50 instances');
      const timeoutSeconds = input.TimeoutSeconds === undefined ? 3600 : Number(input.TimeoutSeconds);
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2592000) {
        throw new AwsServiceError('ValidationException', 'TimeoutSeconds must be between 30 and 2592000');
      }
      const parameters = parseParameters(input.Parameters);
      // AppHealthCheck fires only on a command that changes an instance's app version (a fleet update, not its rollback).
      const version = parameters.AppVersion?.[0];
      const changesVersion = documentName === model.deployDocumentName && version !== undefined && instanceIds.some((id) => { const running = model.appVersion(id); return running !== undefined && running !== version; });
      const unhealthy = changesVersion ? faults.take('AppHealthCheck') : undefined;
      const outcome = unhealthy ? 'Failed' : ((faults.take('CommandOutcome')?.error as CommandOutcome | undefined) ?? 'Success');
      const health = unhealthy
        ? { responseCode: HEALTH_CHECK_EXIT_CODE, standardError: `Health check failed: crm:80 did not answer within 120 s on version ${version}\n` }
        : {};
      const command = model.send({ documentName, instanceIds, parameters, comment: optionalString(input, 'Comment'), timeoutSeconds, outcome, ...health });
      return {
        Command: {
          CommandId: command.commandId,
          DocumentName: command.documentName,
          DocumentVersion: '$DEFAULT',
          Comment: command.comment ?? '',
          ExpiresAfter: epochSeconds(command.requestedAt + timeoutSeconds * 1000),
          Parameters: command.parameters,
          InstanceIds: command.instanceIds,
          Targets: [],
          RequestedDateTime: epochSeconds(command.requestedAt),
          Status: 'Pending',
          StatusDetails: 'Pending',
          MaxConcurrency: '50',
          MaxErrors: '0',
          TargetCount: command.instanceIds.length,
          CompletedCount: 0,
          ErrorCount: 0,
          DeliveryTimedOutCount: 0,
          TimeoutSeconds: timeoutSeconds,
          CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
        },
      };
    },

    PutParameter: (input) => {
      const name = parameterName(input, 'Name');
      const value = requiredString(input, 'Value');
      if (value.length === 0 || value.length > 4096) throw new AwsServiceError('ValidationException', 'Value must be 1 to 4096 characters (Standard tier)');
      const type = input.Type ?? 'String';
      if (!PARAMETER_TYPES.includes(type as (typeof PARAMETER_TYPES)[number])) {
        throw new AwsServiceError('ValidationException', `Type must be one of ${PARAMETER_TYPES.join(', ')}`);
      }
      const stored = model.putParameter({ name, type: type as StoredParameter['type'], value, overwrite: input.Overwrite === true, tags: parseTags(input.Tags) });
      return { Version: stored.version, Tier: 'Standard' };
    },

    AddTagsToResource: (input) => {
      if (input.ResourceType !== 'Parameter') throw new AwsServiceError('InvalidResourceType', 'The local sandbox tags parameters only');
      const tags = parseTags(input.Tags);
      if (Object.keys(tags).length === 0) throw new AwsServiceError('ValidationException', 'Tags must name at least one tag');
      model.tagParameter(parameterName(input, 'ResourceId'), tags);
      return {};
    },

    ListTagsForResource: (input) => {
      if (input.ResourceType !== 'Parameter') throw new AwsServiceError('InvalidResourceType', 'The local sandbox tags parameters only');
      const parameter = model.parameter(parameterName(input, 'ResourceId'));
      if (!parameter) throw new AwsServiceError('InvalidResourceId', 'The resource ID is not valid. Verify the ID and try again.');
      return { TagList: Object.entries(parameter.tags).map(([Key, Value]) => ({ Key, Value })) };
    },

    ...commandListingOperations(model, clock),

    GetCommandInvocation: (input) => {
      const commandId = requiredString(input, 'CommandId');
      const instanceId = requiredString(input, 'InstanceId');
      if (!COMMAND_ID.test(commandId)) throw new AwsServiceError('InvalidCommandId', `Invalid command id ${commandId}`);
      const now = clock.now();
      const command = model.commands().find((candidate) => candidate.commandId === commandId);
      if (!command || !command.instanceIds.includes(instanceId) || now < command.visibleAt) {
        throw new AwsServiceError('InvocationDoesNotExist', 'An error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation');
      }
      const status = model.status(command, now);
      const done = !['Pending', 'InProgress'].includes(status);
      const started = status === 'Pending' ? undefined : command.inProgressAt;
      return {
        CommandId: command.commandId,
        InstanceId: instanceId,
        Comment: command.comment ?? '',
        DocumentName: command.documentName,
        DocumentVersion: '$DEFAULT',
        PluginName: 'deploy',
        ResponseCode: done ? (status === 'Success' ? 0 : (command.responseCode ?? 1)) : -1,
        ExecutionStartDateTime: started === undefined ? '' : new Date(started).toISOString(),
        ExecutionElapsedTime: started === undefined ? '' : `PT${((Math.min(now, command.doneAt) - started) / 1000).toFixed(3)}S`,
        ExecutionEndDateTime: done ? new Date(command.doneAt).toISOString() : '',
        Status: status,
        StatusDetails: STATUS_DETAILS[status],
        StandardOutputContent: done ? `StackPro deploy (${command.documentName}) ${status === 'Success' ? 'finished' : 'failed'} in the local sandbox\n` : '',
        StandardOutputUrl: '',
        StandardErrorContent: status === 'Failed' ? (command.standardError ?? 'docker compose up failed (injected by the StackPro sandbox)\n') : '',
        StandardErrorUrl: '',
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
      };
    },
  };

  return {
    name: 'ssm',
    signingName: 'ssm',
    edge: awsJsonService({ targetPrefix: 'AmazonSSM', jsonVersion: '1.1', beforeOperation: (operation) => faults.raise(operation), operations }),
    actions: Object.keys(operations),
    // AppHealthCheck: the next command that changes an instance's app version replaces its containers, then
    // fails the document's health check (exit 3, its stderr line), as a release that breaks on one server does.
    outcomes: { CommandOutcome: ['Failed', 'TimedOut', 'Cancelled'], AppHealthCheck: ['Unhealthy'] },
    errorStatus: ERROR_STATUS,
    inventory: {
      commands: () =>
        model.commands().flatMap((command) =>
          command.instanceIds.map((instanceId) => ({ commandId: command.commandId, instanceId, documentName: command.documentName, status: model.status(command) })),
        ),
    },
    reset: () => model.reset(),
  };
}

interface InstanceFilter {
  matches(instanceId: string, ping: string): boolean;
}

function parseFilters(input: Record<string, unknown>): InstanceFilter[] {
  const raw = [
    ...(Array.isArray(input.Filters) ? input.Filters : []).map((filter: { Key?: unknown; Values?: unknown }) => ({ key: filter?.Key, values: filter?.Values })),
    ...(Array.isArray(input.InstanceInformationFilterList) ? input.InstanceInformationFilterList : []).map((filter: { key?: unknown; valueSet?: unknown }) => ({
      key: filter?.key,
      values: filter?.valueSet,
    })),
  ];
  return raw.map(({ key, values }) => {
    const list = stringList(values, 'Values');
    if (list.length === 0) throw new AwsServiceError('InvalidInstanceInformationFilterValue', `The filter ${String(key)} needs at least one value`);
    if (key === 'InstanceIds') return { matches: (instanceId: string) => list.includes(instanceId) };
    if (key === 'PingStatus') return { matches: (_: string, ping: string) => list.includes(ping) };
    throw new AwsServiceError('InvalidFilterKey', `The local sandbox supports the InstanceIds and PingStatus filters, not ${String(key)}`);
  });
}

function parameterName(input: Record<string, unknown>, member: string): string {
  const name = requiredString(input, member);
  if (!PARAMETER_NAME.test(name) || name.split('/').length > 16 || /^\/?(aws|ssm)/i.test(name)) {
    throw new AwsServiceError('ValidationException', `Parameter name ${name} is not valid`);
  }
  return name;
}

/** `[{Key, Value}]` as a map; keys and values within AWS's limits (128 and 256 characters). */
function parseTags(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) throw new AwsServiceError('ValidationException', 'Tags must be a list');
  const tags: Record<string, string> = {};
  for (const tag of value as { Key?: unknown; Value?: unknown }[]) {
    if (typeof tag?.Key !== 'string' || typeof tag.Value !== 'string' || tag.Key.length === 0 || tag.Key.length > 128 || tag.Value.length > 256) {
      throw new AwsServiceError('ValidationException', 'Each tag needs a Key (1-128 characters) and a Value (at most 256)');
    }
    tags[tag.Key] = tag.Value;
  }
  if (Object.keys(tags).length > MAX_TAGS) throw new AwsServiceError('TooManyTagsError', `A resource can have at most ${MAX_TAGS} tags.`);
  return tags;
}

function stringList(value: unknown, member: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new AwsServiceError('ValidationException', `${member} must be a list of strings`);
  }
  return value as string[];
}

function parseParameters(value: unknown): Record<string, string[]> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AwsServiceError('InvalidParameters', 'Parameters must be a map of string lists');
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, values]) => {
      if (!Array.isArray(values) || values.some((item) => typeof item !== 'string')) {
        throw new AwsServiceError('InvalidParameters', `Parameter ${name} must be a list of strings`);
      }
      return [name, values as string[]];
    }),
  );
}
