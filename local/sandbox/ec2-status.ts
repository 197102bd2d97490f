import { AwsServiceError } from '../edge/aws-json';
import type { SandboxClock } from './clock';
import { type Ec2Model, globMatches, STATE_CODES, type StoredInstance } from './ec2';
import type { VolumeView } from './ec2-volumes';
import { isoTime, listParam, structListParam } from './protocols';
import { el, itemSet, type XmlChild } from './xml';

type Ec2Operation = (params: URLSearchParams) => XmlChild[];

interface Filter {
  readonly name: string;
  readonly values: string[];
}

const VOLUME_ID = /^vol-[0-9a-f]{8,17}$/;

/**
 * The EC2 reads support staff make about a customer's server: DescribeInstanceStatus (status checks) and
 * DescribeVolumes (its EBS volume, found by `attachment.instance-id` or its Customer tag), with EC2's
 * filters and pages.
 */
export function ec2SupportOperations(model: Ec2Model, clock: SandboxClock): Record<string, Ec2Operation> {
  return {
    DescribeInstanceStatus: (params) => {
      const now = clock.now();
      const ids = listParam(params, 'InstanceId');
      const includeAll = params.get('IncludeAllInstances') === 'true';
      const filters = filtersOf(params, STATUS_FILTERS);
      const page = pageOf(params, ids.length > 0, 5, 1000);
      const candidates = ids.length > 0 ? model.requireInstances(ids) : model.all().filter((instance) => model.isVisible(instance, now));
      const statuses = candidates
        .map((instance) => ({ instance, state: model.stateOf(instance, now).state, checks: statusChecks(model, clock, instance, now) }))
        // Without IncludeAllInstances, EC2 reports running instances only.
        .filter(({ state }) => includeAll || state === 'running')
        .filter((status) => filters.every((filter) => matchesStatusFilter(status, filter)));
      const { items, nextToken } = page(statuses);
      return [
        itemSet(
          'instanceStatusSet',
          items.map(({ instance, state, checks }) => [
            el('instanceId', instance.instanceId),
            el('availabilityZone', instance.availabilityZone),
            el('instanceState', el('code', STATE_CODES[state]), el('name', state)),
            el('systemStatus', ...checkMembers(checks)),
            el('instanceStatus', ...checkMembers(checks)),
            el('attachedEbsStatus', ...checkMembers(checks)),
          ]),
        ),
        nextToken === undefined ? undefined : el('nextToken', nextToken),
      ];
    },

    DescribeVolumes: (params) => {
      const ids = listParam(params, 'VolumeId');
      const filters = filtersOf(params, VOLUME_FILTERS);
      const page = pageOf(params, ids.length > 0, 5, 500);
      // Root volumes live as long as their instance (deleted on termination); restored ones until deleted.
      const volumes = model.volumes.all(clock.now());
      const malformed = ids.find((id) => !VOLUME_ID.test(id));
      if (malformed) throw new AwsServiceError('InvalidVolumeID.Malformed', `Invalid id: "${malformed}" (expecting "vol-...")`);
      const missing = ids.filter((id) => !volumes.some((volume) => volume.volumeId === id));
      if (missing.length > 0) throw new AwsServiceError('InvalidVolume.NotFound', `The volume '${missing.join(', ')}' does not exist.`);
      const selected = ids.length > 0 ? volumes.filter((volume) => ids.includes(volume.volumeId)) : volumes;
      const { items, nextToken } = page(selected.filter((volume) => filters.every((filter) => matchesVolumeFilter(volume, filter))));
      return [itemSet('volumeSet', items.map(volumeMembers)), nextToken === undefined ? undefined : el('nextToken', nextToken)];
    },
  };
}

type CheckStatus = 'ok' | 'initializing' | 'not-applicable';

/**
 * Status checks pass once the instance is reachable, about as long after it starts running as the SSM
 * agent takes to come online (the same boot); a stopped or pending instance has none.
 */
function statusChecks(model: Ec2Model, clock: SandboxClock, instance: StoredInstance, now: number): CheckStatus {
  const since = model.runningSince(instance, now);
  if (since === undefined) return 'not-applicable';
  return now >= since + clock.realMs('ssmAgentOnline') ? 'ok' : 'initializing';
}

function checkMembers(status: CheckStatus): XmlChild[] {
  const detail = status === 'ok' ? 'passed' : status === 'initializing' ? 'initializing' : undefined;
  return [el('status', status), itemSet('details', detail === undefined ? [] : [[el('name', 'reachability'), el('status', detail)]])];
}

function matchesStatusFilter(status: { instance: StoredInstance; state: string; checks: CheckStatus }, filter: Filter): boolean {
  const any = (value: string) => filter.values.some((pattern) => globMatches(pattern, value));
  const reachability = status.checks === 'ok' ? 'passed' : status.checks;
  switch (filter.name) {
    case 'availability-zone':
      return any(status.instance.availabilityZone);
    case 'instance-state-name':
      return any(status.state);
    case 'instance-state-code':
      return any(String(STATE_CODES[status.state as keyof typeof STATE_CODES]));
    case 'instance-status.status':
    case 'system-status.status':
      return any(status.checks);
    case 'instance-status.reachability':
    case 'system-status.reachability':
      return any(reachability);
    default:
      throw new AwsServiceError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }
}

function matchesVolumeFilter(volume: VolumeView, filter: Filter): boolean {
  const any = (value: string | undefined) => value !== undefined && filter.values.some((pattern) => globMatches(pattern, value));
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return volume.tags.some((tag) => tag.Key === key && any(tag.Value));
  }
  switch (filter.name) {
    case 'attachment.instance-id':
      return any(volume.attachment?.instanceId);
    case 'attachment.status':
      return any(volume.attachment?.state);
    case 'attachment.device':
      return any(volume.attachment?.device);
    case 'attachment.delete-on-termination':
      return any(volume.attachment ? String(volume.attachment.deleteOnTermination) : undefined);
    case 'availability-zone':
      return any(volume.availabilityZone);
    case 'volume-id':
      return any(volume.volumeId);
    case 'status':
      return any(volume.state);
    case 'size':
      return any(String(volume.size));
    case 'volume-type':
      return any('gp3');
    case 'encrypted':
      return any('true');
    case 'tag-key':
      return volume.tags.some((tag) => any(tag.Key));
    default:
      throw new AwsServiceError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }
}

function volumeMembers(volume: VolumeView): XmlChild[] {
  return [
    el('volumeId', volume.volumeId),
    el('size', volume.size),
    el('snapshotId', volume.snapshotId ?? ''),
    el('availabilityZone', volume.availabilityZone),
    el('status', volume.state),
    el('createTime', isoTime(volume.createdAt)),
    itemSet(
      'attachmentSet',
      volume.attachment
        ? [
            [
              el('volumeId', volume.volumeId),
              el('instanceId', volume.attachment.instanceId),
              el('device', volume.attachment.device),
              el('status', volume.attachment.state),
              el('attachTime', isoTime(volume.attachment.attachTime)),
              el('deleteOnTermination', volume.attachment.deleteOnTermination),
            ],
          ]
        : [],
    ),
    el('volumeType', 'gp3'),
    el('iops', 3000),
    el('throughput', 125),
    el('encrypted', true),
    el('multiAttachEnabled', false),
    itemSet('tagSet', volume.tags.map((tag) => [el('key', tag.Key), el('value', tag.Value)])),
  ];
}

const STATUS_FILTERS = ['availability-zone', 'instance-state-name', 'instance-state-code', 'instance-status.status', 'system-status.status', 'instance-status.reachability', 'system-status.reachability'];
const VOLUME_FILTERS = ['attachment.instance-id', 'attachment.status', 'attachment.device', 'attachment.delete-on-termination', 'availability-zone', 'volume-id', 'status', 'size', 'volume-type', 'encrypted', 'tag-key'];

/** The request's filters, each name checked up front (EC2 refuses an unknown one even when nothing would match). */
function filtersOf(params: URLSearchParams, known: readonly string[]): Filter[] {
  const filters = structListParam(params, 'Filter').map((group) => ({ name: group.get('Name') ?? '', values: listParam(group, 'Value') }));
  const unknown = filters.find((filter) => !known.includes(filter.name) && !(known === VOLUME_FILTERS && filter.name.startsWith('tag:')));
  if (unknown) throw new AwsServiceError('InvalidParameterValue', `The filter '${unknown.name}' is invalid`);
  return filters;
}

/**
 * EC2's paging: MaxResults within [min, max] and an opaque NextToken; it cannot be combined with explicit
 * ids (InvalidParameterCombination), as EC2 refuses it.
 */
function pageOf(params: URLSearchParams, byIds: boolean, min: number, max: number) {
  const rawMax = params.get('MaxResults');
  const token = params.get('NextToken');
  if (byIds && (rawMax !== null || token !== null)) {
    throw new AwsServiceError('InvalidParameterCombination', 'The parameter ids cannot be used with the parameter maxResults or nextToken');
  }
  const size = rawMax === null ? Number.POSITIVE_INFINITY : Number(rawMax);
  if (rawMax !== null && (!Number.isInteger(size) || size < min || size > max)) {
    throw new AwsServiceError('InvalidParameterValue', `Value ( ${rawMax} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`);
  }
  const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new AwsServiceError('InvalidParameterValue', `Invalid value '${token}' for nextToken`);
  return <T>(items: readonly T[]): { items: T[]; nextToken?: string } => {
    const end = offset + size;
    return { items: items.slice(offset, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
  };
}
