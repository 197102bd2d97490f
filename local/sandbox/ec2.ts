import { createHash, randomBytes } from 'node:crypto';
import { AwsServiceError } from '../edge/aws-json';
import type { EdgeRequest, EdgeResponse, EdgeService } from '../edge/edge-service';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';
import type { SandboxClock } from './clock';
import type { FaultQueue } from './faults';
import { diskUsedBytes } from './instance-usage';
import { JsonFile } from './json-file';
import { ec2SupportOperations } from './ec2-status';
import { ec2VolumeOperations, VolumeStore } from './ec2-volumes';
import type { SandboxService } from './registry';
import { answer, ec2Error, ec2Response, isoTime, listParam, parseForm, structListParam } from './protocols';
import { el, itemSet, opt, type XmlChild } from './xml';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's state codes (the low byte of `instanceState/code`). */
export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

interface Transition {
  readonly state: InstanceStateName;
  /** Epoch ms when the instance enters the state. */
  readonly at: number;
  readonly reason?: { readonly code: string; readonly message: string };
}

export interface StoredInstance {
  readonly instanceId: string;
  readonly reservationId: string;
  /** Changed only while stopped (ModifyInstanceAttribute). */
  instanceType: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly imageId: string;
  readonly launchTemplateId?: string;
  readonly privateIp: string;
  /** The address of the current run; released when the instance stops or terminates. */
  publicIp: string | null;
  readonly clientToken?: string;
  readonly launchedAt: number;
  readonly tags: Tag[];
  /** The root volume's tags (RunInstances' `volume` TagSpecification); absent in files written before. */
  readonly volumeTags?: Tag[];
  /** The root volume's size (GiB): RunInstances' block device mapping, then ModifyVolume; absent: the template's 30. */
  volumeSizeGib?: number;
  /** The latest ModifyVolume of the root volume. */
  volumeModification?: VolumeModification;
  /** Past and scheduled state changes; the current state is the last one that has begun. */
  transitions: Transition[];
}

/** A ModifyVolume: modifying, then optimizing (the file system may grow), then completed, in model seconds. */
export interface VolumeModification {
  readonly originalSize: number;
  readonly targetSize: number;
  readonly startedAt: number;
  readonly optimizingAt: number;
  readonly completesAt: number;
}

export type SnapshotStateName = 'pending' | 'completed' | 'error';

export interface StoredSnapshot {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly description: string;
  readonly volumeSize: number;
  /** The data blocks on the volume when it was taken (instance-usage.ts); absent in files written before. */
  readonly fullSizeBytes?: number;
  readonly startedAt: number;
  /** Epoch ms when it turns from pending to completed. */
  readonly completesAt: number;
  readonly tags: Tag[];
}

interface Ec2State {
  instances: StoredInstance[];
  /** Absent in files written before snapshots were modelled. */
  snapshots?: StoredSnapshot[];
  /** ClientToken -> the reservation it made and a fingerprint of the request. */
  clientTokens: Record<string, { readonly reservationId: string; readonly fingerprint: string }>;
  nextPublicIp: number;
  nextPrivateIp: number;
}

export interface Ec2Settings {
  readonly launchTemplateId: string;
  readonly subnetIds: readonly string[];
  /**
   * The account's Running On-Demand Standard instances vCPU quota: RunInstances past it answers
   * VcpuLimitExceeded, as EC2 does. @default unlimited
   */
  readonly vcpuQuota?: number;
  /** How many public IPv4 addresses the sandbox can hand out (at most MAX_PUBLIC_IPS). @default DEFAULT_PUBLIC_IPS */
  readonly publicIpPool?: number;
}

/** The public IPv4 pool unless STACKPRO_SANDBOX_PUBLIC_IPS says otherwise: TEST-NET-3 and TEST-NET-2. */
export const DEFAULT_PUBLIC_IPS = 508;
/** The largest pool STACKPRO_SANDBOX_PUBLIC_IPS may ask for (a raised quota, for bursts of signups). */
export const MAX_PUBLIC_IPS = 4096;
/**
 * Public IPs come from ranges that are never routable: the documentation ranges (TEST-NET-3, TEST-NET-2,
 * then TEST-NET-1), and past those the benchmarking range 198.18.0.0/15 (RFC 2544). The first 508 are
 * the default pool, in the order it has always handed them out.
 */
const ALL_PUBLIC_IPS: readonly string[] = [
  ...Array.from({ length: 254 }, (_, i) => `203.0.113.${i + 1}`),
  ...Array.from({ length: 254 }, (_, i) => `198.51.100.${i + 1}`),
  ...Array.from({ length: 254 }, (_, i) => `192.0.2.${i + 1}`),
  ...Array.from({ length: MAX_PUBLIC_IPS - 3 * 254 }, (_, i) => `198.18.${Math.floor(i / 254)}.${(i % 254) + 1}`),
];

/** The first `size` addresses the sandbox hands out, in order. */
export function publicIpPool(size: number): readonly string[] {
  return ALL_PUBLIC_IPS.slice(0, size);
}
/** vCPUs per instance type, for the quota (the types our plans launch; anything else counts 2). */
const VCPUS: Readonly<Record<string, number>> = { 't3.micro': 2, 't3.small': 2, 't3.medium': 2, 't3.large': 2, 't3.xlarge': 4 };
const IMAGE_ID = 'ami-0stackprolocal0001';
const VPC_ID = 'vpc-0stackprolocal';
const ZONES = ['a', 'b', 'c', 'd', 'e', 'f'];
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const RESOURCE_TYPES = ['instance', 'volume', 'network-interface', 'spot-instances-request'];
const VOLUME_ID = /^vol-[0-9a-f]{8,17}$/;
const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;
/** Root volumes of the customer launch template (gp3, 30 GiB), unless RunInstances' block device mapping says otherwise. */
const VOLUME_SIZE_GIB = 30;
/** A ModifyVolume lets the file system grow after this many MODEL seconds, and completes after this many. */
const VOLUME_OPTIMIZING_MODEL_SECONDS = 5;
const VOLUME_COMPLETED_MODEL_SECONDS = 60;
/**
 * A snapshot goes pending -> completed this many MODEL seconds after CreateSnapshot (a first, full
 * snapshot of a small volume: minutes). Scaled by the sandbox clock's profile like every other delay.
 */
const SNAPSHOT_MODEL_SECONDS = 120;
/** Terminated instances disappear from DescribeInstances after an hour (model), but not sooner than this. */
const MIN_TERMINATED_VISIBLE_MS = 60_000;

const hexId = (prefix: string) => `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;

/** The instances the sandbox runs: lifecycle by the clock, persisted under `<dataDir>/sandbox/ec2.json`. */
export class Ec2Model {
  private state: Ec2State;
  private readonly file: JsonFile<Ec2State>;
  /** EBS volumes: each instance's root volume, and those restores create, attach and detach (ec2-volumes.ts). */
  readonly volumes: VolumeStore;

  constructor(
    dir: string,
    private readonly settings: Ec2Settings,
    private readonly clock: SandboxClock,
  ) {
    this.file = new JsonFile(dir, 'ec2');
    this.state = this.file.load(emptyState);
    this.volumes = new VolumeStore(dir, this, clock);
  }

  reset(): void {
    this.state = emptyState();
    this.persist();
    this.volumes.reset();
  }

  stateOf(instance: StoredInstance, now = this.clock.now()): Transition {
    return [...instance.transitions].reverse().find((t) => t.at <= now) ?? instance.transitions[0];
  }

  /** When the current run began (the last pending -> running), or undefined when not running now. */
  runningSince(instance: StoredInstance, now = this.clock.now()): number | undefined {
    const current = this.stateOf(instance, now);
    return current.state === 'running' ? current.at : undefined;
  }

  /** When the instance first reached running, if it ever did. */
  firstRunningAt(instance: StoredInstance, now = this.clock.now()): number | undefined {
    return instance.transitions.find((t) => t.state === 'running' && t.at <= now)?.at;
  }

  /** The public IP as DescribeInstances shows it: only while the instance holds one. */
  visiblePublicIp(instance: StoredInstance, now = this.clock.now()): string | undefined {
    const { state } = this.stateOf(instance, now);
    return ['running', 'stopping', 'shutting-down'].includes(state) ? (instance.publicIp ?? undefined) : undefined;
  }

  find(instanceId: string): StoredInstance | undefined {
    return this.state.instances.find((instance) => instance.instanceId === instanceId);
  }

  all(): readonly StoredInstance[] {
    return this.state.instances;
  }

  /**
   * The instance's root EBS volume id. One volume per instance, derived from its id, so instances stored
   * before volumes were modelled have one too. It exists until the instance is terminated.
   */
  volumeIdOf(instance: Pick<StoredInstance, 'instanceId'>): string {
    return `vol-${createHash('sha256').update(instance.instanceId).digest('hex').slice(0, 17)}`;
  }

  /** The root volume's size in GiB (the launch template's). */
  volumeSizeOf(instance: StoredInstance): number {
    return instance.volumeSizeGib ?? VOLUME_SIZE_GIB;
  }

  snapshots(): readonly StoredSnapshot[] {
    return this.state.snapshots ?? [];
  }

  snapshotState(snapshot: StoredSnapshot, now = this.clock.now()): SnapshotStateName {
    return now >= snapshot.completesAt ? 'completed' : 'pending';
  }

  /** CreateSnapshot: of a volume that exists (a root volume goes with its terminated instance). */
  createSnapshot(request: { volumeId: string; description: string; tags: Tag[] }): StoredSnapshot {
    if (!VOLUME_ID.test(request.volumeId)) throw new AwsServiceError('InvalidVolumeID.Malformed', `Invalid id: "${request.volumeId}" (expecting "vol-...")`);
    const now = this.clock.now();
    const volume = this.volumes.find(request.volumeId, now);
    if (!volume) throw new AwsServiceError('InvalidVolume.NotFound', `The volume '${request.volumeId}' does not exist.`);
    // The data on it: measured on the server it is attached to, else what it was restored with.
    const owner = volume.attachment ? this.find(volume.attachment.instanceId) : undefined;
    const snapshot: StoredSnapshot = {
      snapshotId: hexId('snap'),
      volumeId: request.volumeId,
      description: request.description,
      volumeSize: volume.size,
      fullSizeBytes: owner ? diskUsedBytes(owner, now, this.clock) : (volume.dataBytes ?? 0),
      startedAt: now,
      completesAt: now + this.clock.secondsToMs(SNAPSHOT_MODEL_SECONDS),
      tags: request.tags,
    };
    this.state.snapshots = [...(this.state.snapshots ?? []), snapshot];
    this.persist();
    return snapshot;
  }

  /**
   * ModifyInstanceAttribute InstanceType: only on a stopped instance (EC2's IncorrectInstanceState
   * otherwise), and only to a type the sandbox knows the shape of.
   */
  modifyInstanceType(instanceId: string, instanceType: string): void {
    const [instance] = this.requireInstances([instanceId]);
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
      throw new AwsServiceError('InvalidInstanceAttributeValue', `Value (${instanceType}) for parameter instanceType is invalid.`);
    }
    if (this.stateOf(instance).state !== 'stopped') {
      throw new AwsServiceError('IncorrectInstanceState', `The instance '${instanceId}' is not in the 'stopped' state.`);
    }
    instance.instanceType = instanceType;
    this.persist();
  }

  /** The live instance whose root volume this is (terminated ones take theirs with them). */
  volumeOwner(volumeId: string, now = this.clock.now()): StoredInstance {
    if (!VOLUME_ID.test(volumeId)) throw new AwsServiceError('InvalidVolumeID.Malformed', `Invalid id: "${volumeId}" (expecting "vol-...")`);
    const owner = this.state.instances.find((instance) => this.volumeIdOf(instance) === volumeId && this.stateOf(instance, now).state !== 'terminated');
    if (!owner) throw new AwsServiceError('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
    return owner;
  }

  volumeModificationState(modification: VolumeModification, now = this.clock.now()): 'modifying' | 'optimizing' | 'completed' {
    return now >= modification.completesAt ? 'completed' : now >= modification.optimizingAt ? 'optimizing' : 'modifying';
  }

  /** ModifyVolume Size: grows only (EBS cannot shrink), and not while the previous modification is under way. */
  modifyVolume(volumeId: string, size: number): VolumeModification {
    const now = this.clock.now();
    const owner = this.volumeOwner(volumeId, now);
    const current = owner.volumeSizeGib ?? VOLUME_SIZE_GIB;
    if (!Number.isInteger(size) || size < current) {
      throw new AwsServiceError('InvalidParameterValue', `New size cannot be smaller than existing size (${current} GiB).`);
    }
    if (owner.volumeModification && this.volumeModificationState(owner.volumeModification, now) !== 'completed') {
      throw new AwsServiceError('IncorrectModificationState', `Volume ${volumeId} is already being modified.`);
    }
    const modification: VolumeModification = {
      originalSize: current,
      targetSize: size,
      startedAt: now,
      optimizingAt: now + this.clock.secondsToMs(VOLUME_OPTIMIZING_MODEL_SECONDS),
      completesAt: now + this.clock.secondsToMs(VOLUME_COMPLETED_MODEL_SECONDS),
    };
    owner.volumeSizeGib = size;
    owner.volumeModification = modification;
    this.persist();
    return modification;
  }

  /** Snapshots by id, as EC2 checks them: one error naming every unknown id. */
  requireSnapshots(ids: readonly string[]): StoredSnapshot[] {
    const malformed = ids.find((id) => !SNAPSHOT_ID.test(id));
    if (malformed) throw new AwsServiceError('InvalidSnapshotID.Malformed', `Invalid id: "${malformed}" (expecting "snap-...")`);
    const missing = ids.filter((id) => !this.snapshots().some((snapshot) => snapshot.snapshotId === id));
    if (missing.length > 0) throw new AwsServiceError('InvalidSnapshot.NotFound', `The snapshot '${missing.join(', ')}' does not exist.`);
    return ids.map((id) => this.snapshots().find((snapshot) => snapshot.snapshotId === id) as StoredSnapshot);
  }

  /** DeleteSnapshot: gone at once (EC2 answers `true` and the snapshot disappears from DescribeSnapshots). */
  deleteSnapshot(snapshotId: string): void {
    this.requireSnapshots([snapshotId]);
    this.state.snapshots = this.snapshots().filter((snapshot) => snapshot.snapshotId !== snapshotId);
    this.persist();
  }

  /** vCPUs of the instances the quota counts: pending, running, stopping and shutting-down ones. */
  private vcpusInUse(now: number): number {
    return this.state.instances
      .filter((instance) => !['stopped', 'terminated'].includes(this.stateOf(instance, now).state))
      .reduce((sum, instance) => sum + (VCPUS[instance.instanceType] ?? 2), 0);
  }

  runInstances(request: RunRequest, outcome: 'running' | 'terminated'): StoredInstance[] {
    const fingerprint = createHash('sha256').update(JSON.stringify({ ...request, clientToken: undefined })).digest('hex');
    if (request.clientToken) {
      const known = this.state.clientTokens[request.clientToken];
      if (known) {
        if (known.fingerprint !== fingerprint) {
          throw new AwsServiceError(
            'IdempotentParameterMismatch',
            'The client token you have provided is associated with a resource that is already deleted or with a request whose parameters differ. Please use a different client token.',
          );
        }
        return this.state.instances.filter((instance) => instance.reservationId === known.reservationId);
      }
    }
    const now = this.clock.now();
    const quota = this.settings.vcpuQuota;
    const requested = request.count * (VCPUS[request.instanceType] ?? 2);
    if (quota !== undefined && this.vcpusInUse(now) + requested > quota) {
      throw new AwsServiceError(
        'VcpuLimitExceeded',
        `You have requested more vCPU capacity than your current vCPU limit of ${quota} allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
      );
    }
    const reservationId = hexId('r');
    const zoneIndex = Math.max(0, this.settings.subnetIds.indexOf(request.subnetId));
    const launched: StoredInstance[] = [];
    for (let i = 0; i < request.count; i += 1) {
      const transitions: Transition[] =
        outcome === 'running'
          ? [
              { state: 'pending', at: now },
              { state: 'running', at: this.clock.after('instanceBoot', now) },
            ]
          : crash(now, this.clock);
      launched.push({
        instanceId: hexId('i'),
        reservationId,
        instanceType: request.instanceType,
        subnetId: request.subnetId,
        availabilityZone: `${LOCAL_REGION}${ZONES[zoneIndex % ZONES.length]}`,
        imageId: IMAGE_ID,
        launchTemplateId: request.launchTemplateId,
        privateIp: this.allocatePrivateIp(),
        publicIp: this.allocatePublicIp(now),
        clientToken: request.clientToken,
        launchedAt: now,
        tags: request.tags,
        volumeTags: request.volumeTags,
        ...(request.volumeSizeGib === undefined ? {} : { volumeSizeGib: request.volumeSizeGib }),
        transitions,
      });
    }
    this.state.instances.push(...launched);
    if (request.clientToken) this.state.clientTokens[request.clientToken] = { reservationId, fingerprint };
    this.persist();
    return launched;
  }

  terminate(ids: readonly string[]): StateChange[] {
    return this.change(ids, (instance, current, now) => {
      if (current.state === 'terminated') return;
      if (current.state === 'shutting-down') return;
      this.schedule(instance, now, [
        { state: 'shutting-down', at: now, reason: { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' } },
        { state: 'terminated', at: this.clock.after('instanceTerminate', now), reason: { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' } },
      ]);
    });
  }

  stop(ids: readonly string[]): StateChange[] {
    return this.change(ids, (instance, current, now) => {
      if (current.state === 'stopped' || current.state === 'stopping') return;
      if (current.state !== 'running') {
        throw new AwsServiceError('IncorrectInstanceState', `The instance '${instance.instanceId}' is not in a state from which it can be stopped.`);
      }
      const reason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
      this.schedule(instance, now, [
        { state: 'stopping', at: now, reason },
        { state: 'stopped', at: this.clock.after('instanceStop', now), reason },
      ]);
    });
  }

  start(ids: readonly string[]): StateChange[] {
    return this.change(ids, (instance, current, now) => {
      if (current.state === 'running' || current.state === 'pending') return;
      if (current.state !== 'stopped') {
        throw new AwsServiceError('IncorrectInstanceState', `The instance '${instance.instanceId}' is not in a state from which it can be started.`);
      }
      if (this.volumes.rootOf(instance, now)?.attachment?.state !== 'attached') {
        throw new AwsServiceError('IncorrectInstanceState', `The instance '${instance.instanceId}' has no root volume attached at /dev/xvda.`);
      }
      // A stopped instance lost its public IP; the new run gets a new one.
      instance.publicIp = this.allocatePublicIp(now);
      this.schedule(instance, now, [
        { state: 'pending', at: now },
        { state: 'running', at: this.clock.after('instanceBoot', now) },
      ]);
    });
  }

  /** Whether DescribeInstances still shows it (terminated instances fade out after a while). */
  isVisible(instance: StoredInstance, now = this.clock.now()): boolean {
    const current = this.stateOf(instance, now);
    if (current.state !== 'terminated') return true;
    return now - current.at < Math.max(this.clock.realMs('terminatedVisible'), MIN_TERMINATED_VISIBLE_MS);
  }

  private change(ids: readonly string[], apply: (instance: StoredInstance, current: Transition, now: number) => void): StateChange[] {
    const instances = this.requireInstances(ids);
    const now = this.clock.now();
    const previous = instances.map((instance) => this.stateOf(instance, now).state);
    for (const instance of instances) apply(instance, this.stateOf(instance, now), now);
    this.persist();
    return instances.map((instance, i) => ({ instanceId: instance.instanceId, previous: previous[i], current: this.stateOf(instance, now).state }));
  }

  /** Ids that must all exist (and be visible), as EC2 checks them: one error naming every unknown id. */
  requireInstances(ids: readonly string[]): StoredInstance[] {
    const malformed = ids.find((id) => !INSTANCE_ID.test(id));
    if (malformed) throw new AwsServiceError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
    const now = this.clock.now();
    const missing = ids.filter((id) => {
      const instance = this.find(id);
      return !instance || !this.isVisible(instance, now);
    });
    if (missing.length === 1) throw new AwsServiceError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    if (missing.length > 1) throw new AwsServiceError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
    return ids.map((id) => this.find(id) as StoredInstance);
  }

  private schedule(instance: StoredInstance, now: number, next: Transition[]): void {
    instance.transitions = [...instance.transitions.filter((t) => t.at <= now), ...next];
  }

  private allocatePublicIp(now: number): string {
    const inUse = new Set(
      this.state.instances
        .filter((instance) => !['stopped', 'terminated'].includes(this.stateOf(instance, now).state))
        .map((instance) => instance.publicIp),
    );
    const pool = publicIpPool(this.settings.publicIpPool ?? DEFAULT_PUBLIC_IPS);
    for (let i = 0; i < pool.length; i += 1) {
      const candidate = pool[(this.state.nextPublicIp + i) % pool.length];
      if (!inUse.has(candidate)) {
        this.state.nextPublicIp = (this.state.nextPublicIp + i + 1) % pool.length;
        return candidate;
      }
    }
    throw new AwsServiceError('InsufficientAddressCapacity', `The local sandbox has no public IPv4 address left (${pool.length} in use).`, 500);
  }

  private allocatePrivateIp(): string {
    const n = this.state.nextPrivateIp;
    this.state.nextPrivateIp += 1;
    return `10.0.${Math.floor(n / 250) % 250}.${(n % 250) + 4}`;
  }

  private persist(): void {
    this.file.save(this.state);
  }
}

function emptyState(): Ec2State {
  return { instances: [], snapshots: [], clientTokens: {}, nextPublicIp: 0, nextPrivateIp: 0 };
}

function crash(now: number, clock: SandboxClock): Transition[] {
  const reason = { code: 'Server.InternalError', message: 'Server.InternalError: Internal error on launch' };
  const shuttingDown = clock.after('instanceCrash', now);
  return [
    { state: 'pending', at: now },
    { state: 'shutting-down', at: shuttingDown, reason },
    { state: 'terminated', at: clock.after('instanceTerminate', shuttingDown), reason },
  ];
}

export interface RunRequest {
  readonly count: number;
  readonly instanceType: string;
  readonly subnetId: string;
  readonly launchTemplateId?: string;
  readonly launchTemplateVersion?: string;
  readonly clientToken?: string;
  readonly tags: Tag[];
  readonly volumeTags: Tag[];
  /** The root volume size from `BlockDeviceMapping.N.Ebs.VolumeSize` for /dev/xvda, when the request sets it. */
  readonly volumeSizeGib?: number;
}

/** RunInstances' override of the root volume's size (gp3 allows 1 to 16,384 GiB). */
function rootVolumeSize(params: URLSearchParams): number | undefined {
  const root = structListParam(params, 'BlockDeviceMapping').find((mapping) => mapping.get('DeviceName') === '/dev/xvda');
  const raw = root?.get('Ebs.VolumeSize');
  if (raw === undefined || raw === null) return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > 16_384) throw new AwsServiceError('InvalidParameterValue', `Volume of size ${raw} GiB is not valid.`);
  return size;
}

interface StateChange {
  readonly instanceId: string;
  readonly previous: InstanceStateName;
  readonly current: InstanceStateName;
}

/**
 * HTTP status EC2 answers each error code with: capacity errors are server errors (5xx) and
 * RequestLimitExceeded is 503, so the SDK retries them itself (3 attempts by default).
 */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  RequestLimitExceeded: 503,
  InsufficientInstanceCapacity: 500,
  InsufficientAddressCapacity: 500,
  InsufficientCapacity: 500,
  InsufficientHostCapacity: 500,
  InternalError: 500,
  Unavailable: 503,
  ServiceUnavailable: 503,
};

export interface Ec2ServiceOptions {
  readonly model: Ec2Model;
  readonly settings: Ec2Settings;
  readonly clock: SandboxClock;
  readonly faults: FaultQueue;
  /** The SSM agent's ping status on an instance, for the inventory (SSM owns the agent). */
  readonly agentStatus: (instance: StoredInstance) => string | undefined;
  /** The app version its containers run, from the deploy commands it ran (SSM owns the commands). */
  readonly appVersion?: (instance: StoredInstance) => string | undefined;
}

/**
 * EC2 on the ec2Query protocol: the instance calls our handlers make (launch, describe, stop, start,
 * terminate) and the snapshot calls of deprovisioning (CreateSnapshot, DescribeSnapshots) and of the final-backup
 * sweep (DeleteSnapshot).
 */
export function ec2SandboxService({ model, settings, clock, faults: queue, agentStatus, appVersion }: Ec2ServiceOptions): SandboxService {
  const faults = queue.forService('ec2');
  const volumeOperations = ec2VolumeOperations(model.volumes);
  const operations: Record<string, (params: URLSearchParams) => Promise<XmlChild[]> | XmlChild[]> = {
    ...ec2SupportOperations(model, clock),
    ...volumeOperations,
    RunInstances: async (params) => {
      const request = parseRunRequest(params, settings);
      await clock.sleep('runInstancesLatency');
      const outcome = faults.take('InstanceOutcome') ? 'terminated' : 'running';
      const instances = model.runInstances(request, outcome);
      return [
        el('reservationId', instances[0].reservationId),
        el('ownerId', LOCAL_ACCOUNT_ID),
        el('groupSet'),
        itemSet('instancesSet', instances.map((instance) => instanceMembers(model, instance, clock.now()))),
      ];
    },
    DescribeInstances: (params) => {
      const ids = listParam(params, 'InstanceId');
      const filters = structListParam(params, 'Filter').map((group) => ({ name: group.get('Name') ?? '', values: listParam(group, 'Value') }));
      const now = clock.now();
      const candidates = ids.length > 0 ? model.requireInstances(ids) : model.all().filter((instance) => model.isVisible(instance, now));
      const matching = candidates.filter((instance) => filters.every((filter) => matchesFilter(model, instance, filter, now)));
      const byReservation = new Map<string, StoredInstance[]>();
      for (const instance of matching) byReservation.set(instance.reservationId, [...(byReservation.get(instance.reservationId) ?? []), instance]);
      return [
        itemSet(
          'reservationSet',
          [...byReservation.entries()].map(([reservationId, instances]) => [
            el('reservationId', reservationId),
            el('ownerId', LOCAL_ACCOUNT_ID),
            el('groupSet'),
            itemSet('instancesSet', instances.map((instance) => instanceMembers(model, instance, now))),
          ]),
        ),
      ];
    },
    TerminateInstances: (params) => [stateChanges(model.terminate(requiredIds(params)))],
    StopInstances: (params) => [stateChanges(model.stop(requiredIds(params)))],
    StartInstances: (params) => [stateChanges(model.start(requiredIds(params)))],
    ModifyInstanceAttribute: (params) => {
      const instanceId = params.get('InstanceId');
      if (!instanceId) throw new AwsServiceError('MissingParameter', 'The request must contain the parameter InstanceId');
      const instanceType = params.get('InstanceType.Value');
      // The resize changes the type; a restore sets DeleteOnTermination (ec2-volumes.ts refuses anything else).
      if (!instanceType) return volumeOperations.ModifyInstanceAttribute(params);
      model.modifyInstanceType(instanceId, instanceType);
      return [el('return', 'true')];
    },
    ModifyVolume: (params) => {
      const volumeId = params.get('VolumeId');
      if (!volumeId) throw new AwsServiceError('MissingParameter', 'The request must contain the parameter VolumeId');
      const size = Number(params.get('Size'));
      const modification = model.modifyVolume(volumeId, size);
      return [el('volumeModification', ...volumeModificationMembers(model, volumeId, modification, clock.now()))];
    },
    // DescribeVolumes is one of the support operations (ec2-status.ts), sizes from volumeSizeOf.
    DescribeVolumesModifications: (params) => {
      const now = clock.now();
      const ids = listParam(params, 'VolumeId');
      const owners = ids.map((id) => model.volumeOwner(id, now));
      return [
        itemSet(
          'volumeModificationSet',
          owners
            .filter((instance) => instance.volumeModification)
            .map((instance) => volumeModificationMembers(model, model.volumeIdOf(instance), instance.volumeModification as VolumeModification, now)),
        ),
      ];
    },
    CreateSnapshot: (params) => {
      const volumeId = params.get('VolumeId');
      if (!volumeId) throw new AwsServiceError('MissingParameter', 'The request must contain the parameter VolumeId');
      const specs = structListParam(params, 'TagSpecification');
      const badType = specs.find((spec) => spec.get('ResourceType') !== 'snapshot');
      if (badType) throw new AwsServiceError('InvalidParameterValue', `'${badType.get('ResourceType') ?? ''}' is not a valid taggable resource type for this operation.`);
      const tags = specs.flatMap((spec) => structListParam(spec, 'Tag').map((tag) => ({ Key: tag.get('Key') ?? '', Value: tag.get('Value') ?? '' })));
      const badTag = tags.find((tag) => tag.Key === '' || tag.Key.length > 128 || tag.Key.startsWith('aws:'));
      if (badTag) throw new AwsServiceError('InvalidParameterValue', `Tag key '${badTag.Key}' is not valid.`);
      const snapshot = model.createSnapshot({ volumeId, description: params.get('Description') ?? '', tags });
      return snapshotMembers(model, snapshot, clock.now());
    },
    DeleteSnapshot: (params) => {
      const snapshotId = params.get('SnapshotId');
      if (!snapshotId) throw new AwsServiceError('MissingParameter', 'The request must contain the parameter SnapshotId');
      model.deleteSnapshot(snapshotId);
      return [el('return', 'true')];
    },
    DescribeSnapshots: (params) => {
      const ids = listParam(params, 'SnapshotId');
      const owners = listParam(params, 'Owner');
      const filters = structListParam(params, 'Filter').map((group) => ({ name: group.get('Name') ?? '', values: listParam(group, 'Value') }));
      const now = clock.now();
      // Only our own snapshots exist here: asking for another owner's (amazon, an account id) finds none.
      const ownersMatch = owners.length === 0 || owners.some((owner) => owner === 'self' || owner === LOCAL_ACCOUNT_ID);
      const candidates = ids.length > 0 ? model.requireSnapshots(ids) : ownersMatch ? model.snapshots() : [];
      const matching = candidates.filter((snapshot) => filters.every((filter) => matchesSnapshotFilter(model, snapshot, filter, now)));
      return [itemSet('snapshotSet', matching.map((snapshot) => snapshotMembers(model, snapshot, now)))];
    },
  };

  const edge: EdgeService = {
    handle(request: EdgeRequest): Promise<EdgeResponse> {
      const params = request.method === 'POST' ? parseForm(request.body) : request.query;
      const action = params.get('Action') ?? '';
      return answer(
        async () => {
          const operation = Object.hasOwn(operations, action) ? operations[action] : undefined;
          if (!operation) throw new AwsServiceError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
          faults.raise(action);
          return ec2Response(action, await operation(params));
        },
        (error) => ec2Error(error),
        `EC2 ${action}`,
      );
    },
  };

  const tagged = (tags: readonly Tag[], customer: string | undefined) => customer === undefined || tags.some((tag) => tag.Key === 'Customer' && tag.Value === customer);
  return {
    name: 'ec2',
    signingName: 'ec2',
    edge,
    actions: Object.keys(operations),
    outcomes: { InstanceOutcome: ['terminated'] },
    errorStatus: ERROR_STATUS,
    inventory: {
      instances: (query) =>
        model
          .all()
          .map((instance) => ({ instance, state: model.stateOf(instance).state }))
          .filter(({ state }) => query.all || (state !== 'terminated' && state !== 'shutting-down'))
          .filter(({ instance }) => tagged(instance.tags, query.customer))
          .map(({ instance, state }) => ({
            instanceId: instance.instanceId,
            state,
            instanceType: instance.instanceType,
            publicIp: model.visiblePublicIp(instance) ?? null,
            tags: Object.fromEntries(instance.tags.map((tag) => [tag.Key, tag.Value])),
            agent: agentStatus(instance) ?? null,
            appVersion: appVersion?.(instance) ?? null,
            launchedAt: new Date(instance.launchedAt).toISOString(),
          })),
      // Every EBS volume with its attachment: a restore's old and new volume show here until deleted.
      volumes: (query) =>
        model.volumes
          .all()
          .filter((volume) => tagged(volume.tags, query.customer))
          .map((volume) => ({
            volumeId: volume.volumeId,
            state: volume.state,
            attachedTo: volume.attachment ? { instanceId: volume.attachment.instanceId, device: volume.attachment.device, state: volume.attachment.state } : null,
            snapshotId: volume.snapshotId ?? null,
            tags: Object.fromEntries(volume.tags.map((tag) => [tag.Key, tag.Value])),
          })),
      // EBS snapshots (deprovisioning's final backups) outlive their instance, so all are listed.
      snapshots: (query) =>
        model
          .snapshots()
          .filter((snapshot) => tagged(snapshot.tags, query.customer))
          .map((snapshot) => ({
            snapshotId: snapshot.snapshotId,
            volumeId: snapshot.volumeId,
            state: model.snapshotState(snapshot),
            tags: Object.fromEntries(snapshot.tags.map((tag) => [tag.Key, tag.Value])),
            startedAt: new Date(snapshot.startedAt).toISOString(),
          })),
    },
    reset: () => model.reset(),
  };
}

function requiredIds(params: URLSearchParams): string[] {
  const ids = listParam(params, 'InstanceId');
  if (ids.length === 0) throw new AwsServiceError('MissingParameter', 'The request must contain the parameter InstanceId');
  return ids;
}

function parseRunRequest(params: URLSearchParams, settings: Ec2Settings): RunRequest {
  const minCount = Number(params.get('MinCount'));
  const maxCount = Number(params.get('MaxCount'));
  if (!params.has('MinCount') || !params.has('MaxCount')) {
    throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${params.has('MinCount') ? 'MaxCount' : 'MinCount'}`);
  }
  if (!Number.isInteger(minCount) || !Number.isInteger(maxCount) || minCount < 1 || maxCount < minCount) {
    throw new AwsServiceError('InvalidParameterValue', 'MinCount must be at least 1 and no greater than MaxCount');
  }
  if (maxCount > 20) throw new AwsServiceError('InstanceLimitExceeded', 'You have requested more instances (' + maxCount + ') than your current instance limit of 20 allows.');
  const launchTemplateId = params.get('LaunchTemplate.LaunchTemplateId') ?? undefined;
  const launchTemplateName = params.get('LaunchTemplate.LaunchTemplateName') ?? undefined;
  if (launchTemplateName !== undefined) {
    throw new AwsServiceError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${launchTemplateName}, does not exist.`);
  }
  if (launchTemplateId !== undefined && launchTemplateId !== settings.launchTemplateId) {
    throw new AwsServiceError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${launchTemplateId}, does not exist.`);
  }
  if (launchTemplateId === undefined && !params.has('ImageId')) {
    throw new AwsServiceError('MissingParameter', 'The request must contain the parameter ImageId');
  }
  const instanceType = params.get('InstanceType') ?? 'm1.small';
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
    throw new AwsServiceError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  }
  const subnetId = params.get('SubnetId') ?? settings.subnetIds[0];
  if (!settings.subnetIds.includes(subnetId)) throw new AwsServiceError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  const tagsFor = (resourceType: string): Tag[] =>
    structListParam(params, 'TagSpecification')
      .filter((spec) => spec.get('ResourceType') === resourceType)
      .flatMap((spec) => structListParam(spec, 'Tag').map((tag) => ({ Key: tag.get('Key') ?? '', Value: tag.get('Value') ?? '' })));
  for (const spec of structListParam(params, 'TagSpecification')) {
    const type = spec.get('ResourceType') ?? '';
    if (!RESOURCE_TYPES.includes(type)) throw new AwsServiceError('InvalidParameterValue', `'${type}' is not a valid taggable resource type for this operation.`);
  }
  const tags = tagsFor('instance');
  const badTag = tags.find((tag) => tag.Key === '' || tag.Key.length > 128 || tag.Key.startsWith('aws:'));
  if (badTag) throw new AwsServiceError('InvalidParameterValue', `Tag key '${badTag.Key}' is not valid.`);
  return {
    count: maxCount,
    instanceType,
    subnetId,
    launchTemplateId,
    launchTemplateVersion: params.get('LaunchTemplate.Version') ?? undefined,
    clientToken: params.get('ClientToken') ?? undefined,
    tags,
    volumeTags: tagsFor('volume'),
    volumeSizeGib: rootVolumeSize(params),
  };
}

/** EC2 filter values take `*` and `?` wildcards. */
export function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(value);
}

function matchesFilter(model: Ec2Model, instance: StoredInstance, filter: { name: string; values: string[] }, now: number): boolean {
  const any = (value: string | undefined) => value !== undefined && filter.values.some((pattern) => globMatches(pattern, value));
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return instance.tags.some((tag) => tag.Key === key && any(tag.Value));
  }
  switch (filter.name) {
    case 'instance-state-name':
      return any(model.stateOf(instance, now).state);
    case 'instance-state-code':
      return any(String(STATE_CODES[model.stateOf(instance, now).state]));
    case 'instance-id':
      return any(instance.instanceId);
    case 'instance-type':
      return any(instance.instanceType);
    case 'subnet-id':
      return any(instance.subnetId);
    case 'tag-key':
      return instance.tags.some((tag) => any(tag.Key));
    case 'ip-address':
      return any(model.visiblePublicIp(instance, now));
    case 'client-token':
      return any(instance.clientToken);
    default:
      throw new AwsServiceError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }
}

function matchesSnapshotFilter(model: Ec2Model, snapshot: StoredSnapshot, filter: { name: string; values: string[] }, now: number): boolean {
  const any = (value: string | undefined) => value !== undefined && filter.values.some((pattern) => globMatches(pattern, value));
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return snapshot.tags.some((tag) => tag.Key === key && any(tag.Value));
  }
  switch (filter.name) {
    case 'status':
      return any(model.snapshotState(snapshot, now));
    case 'snapshot-id':
      return any(snapshot.snapshotId);
    case 'volume-id':
      return any(snapshot.volumeId);
    case 'owner-id':
      return any(LOCAL_ACCOUNT_ID);
    case 'description':
      return any(snapshot.description);
    case 'tag-key':
      return snapshot.tags.some((tag) => any(tag.Key));
    default:
      throw new AwsServiceError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  }
}

/** The members of a `Snapshot` (CreateSnapshot's whole response, and each `snapshotSet/item`), as the SDK reads them. */
function snapshotMembers(model: Ec2Model, snapshot: StoredSnapshot, now: number): XmlChild[] {
  const state = model.snapshotState(snapshot, now);
  const total = Math.max(1, snapshot.completesAt - snapshot.startedAt);
  const progress = state === 'completed' ? 100 : Math.min(99, Math.floor(((now - snapshot.startedAt) / total) * 100));
  return [
    el('snapshotId', snapshot.snapshotId),
    el('volumeId', snapshot.volumeId),
    el('status', state),
    el('startTime', isoTime(snapshot.startedAt)),
    state === 'completed' ? el('completionTime', isoTime(snapshot.completesAt)) : undefined,
    el('progress', `${progress}%`),
    el('ownerId', LOCAL_ACCOUNT_ID),
    el('volumeSize', snapshot.volumeSize),
    // EC2 reports the full size once the snapshot is complete.
    state === 'completed' && snapshot.fullSizeBytes !== undefined ? el('fullSnapshotSizeInBytes', snapshot.fullSizeBytes) : undefined,
    el('description', snapshot.description),
    el('encrypted', true),
    el('storageTier', 'standard'),
    itemSet('tagSet', snapshot.tags.map((tag) => [el('key', tag.Key), el('value', tag.Value)])),
  ];
}

function rootMapping(model: Ec2Model, instance: StoredInstance, now: number): XmlChild[][] {
  const root = model.volumes.rootOf(instance, now);
  if (!root?.attachment) return [];
  return [
    [
      el('deviceName', root.attachment.device),
      el(
        'ebs',
        el('volumeId', root.volumeId),
        el('status', root.attachment.state),
        el('attachTime', isoTime(root.attachment.attachTime)),
        el('deleteOnTermination', root.attachment.deleteOnTermination),
      ),
    ],
  ];
}

function stateMembers(state: InstanceStateName): XmlChild[] {
  return [el('code', STATE_CODES[state]), el('name', state)];
}

function stateChanges(changes: StateChange[]): XmlChild {
  return itemSet(
    'instancesSet',
    changes.map((change) => [el('instanceId', change.instanceId), el('currentState', ...stateMembers(change.current)), el('previousState', ...stateMembers(change.previous))]),
  );
}

/** One `instancesSet/item`: the members DescribeInstances and RunInstances return (and the SDK reads). */
function instanceMembers(model: Ec2Model, instance: StoredInstance, now: number): XmlChild[] {
  const current = model.stateOf(instance, now);
  const publicIp = model.visiblePublicIp(instance, now);
  const privateDns = `ip-${instance.privateIp.replace(/\./g, '-')}.ec2.internal`;
  return [
    el('instanceId', instance.instanceId),
    el('imageId', instance.imageId),
    el('instanceState', ...stateMembers(current.state)),
    el('privateDnsName', privateDns),
    el('dnsName', publicIp ? `ec2-${publicIp.replace(/\./g, '-')}.compute-1.amazonaws.com` : ''),
    el('reason', current.reason && current.state !== 'shutting-down' ? `${current.reason.message} (${isoTime(current.at)})` : ''),
    el('amiLaunchIndex', 0),
    el('productCodes'),
    el('instanceType', instance.instanceType),
    el('launchTime', isoTime(instance.launchedAt)),
    el('placement', el('availabilityZone', instance.availabilityZone), el('groupName', ''), el('tenancy', 'default')),
    el('monitoring', el('state', 'disabled')),
    el('subnetId', instance.subnetId),
    el('vpcId', VPC_ID),
    el('privateIpAddress', instance.privateIp),
    opt('ipAddress', publicIp),
    el('sourceDestCheck', true),
    el('groupSet'),
    current.reason ? el('stateReason', el('code', current.reason.code), el('message', current.reason.message)) : undefined,
    el('architecture', 'x86_64'),
    el('rootDeviceType', 'ebs'),
    el('rootDeviceName', '/dev/xvda'),
    // The root volume is deleted with the instance (DeleteOnTermination), so a terminated one lists none;
    // a restore swaps it (ec2-volumes.ts), and while swapped out there is none.
    itemSet('blockDeviceMapping', current.state === 'terminated' ? [] : rootMapping(model, instance, now)),
    el('virtualizationType', 'hvm'),
    opt('clientToken', instance.clientToken),
    itemSet('tagSet', instance.tags.map((tag) => [el('key', tag.Key), el('value', tag.Value)])),
    el('hypervisor', 'xen'),
    el('networkInterfaceSet'),
    el('ebsOptimized', false),
    el('enaSupport', true),
    el('metadataOptions', el('state', 'applied'), el('httpTokens', 'required'), el('httpEndpoint', 'enabled')),
  ];
}

/** A `VolumeModification` (ModifyVolume's answer, each `volumeModificationSet/item`), as the SDK reads it. */
function volumeModificationMembers(model: Ec2Model, volumeId: string, modification: VolumeModification, now: number): XmlChild[] {
  const state = model.volumeModificationState(modification, now);
  return [
    el('volumeId', volumeId),
    el('modificationState', state),
    el('targetSize', modification.targetSize),
    el('originalSize', modification.originalSize),
    el('targetVolumeType', 'gp3'),
    el('originalVolumeType', 'gp3'),
    el('progress', state === 'completed' ? 100 : state === 'optimizing' ? 50 : 0),
    el('startTime', new Date(modification.startedAt).toISOString()),
  ];
}
