import { randomBytes } from 'node:crypto';
import { AwsServiceError } from '../edge/aws-json';
import type { SandboxClock } from './clock';
import type { Ec2Model, StoredInstance, Tag } from './ec2';
import { JsonFile } from './json-file';
import { structListParam } from './protocols';
import { el, type XmlChild } from './xml';

/** The launch template's root device: every instance boots from the volume attached here. */
export const ROOT_DEVICE = '/dev/xvda';
const VOLUME_ID = /^vol-[0-9a-f]{8,17}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** EBS attaches and detaches a volume in seconds (model seconds, scaled by the sandbox clock). */
const ATTACH_MODEL_SECONDS = 5;
const DETACH_MODEL_SECONDS = 8;

export interface StoredAttachment {
  readonly instanceId: string;
  readonly device: string;
  readonly attachingAt: number;
  readonly attachedAt: number;
  /** RunInstances' root volume: true; AttachVolume: false (EC2's default) until ModifyInstanceAttribute sets it. */
  deleteOnTermination: boolean;
  detachingAt?: number;
  detachedAt?: number;
}

/** A volume EC2 holds apart from an instance's own root volume: restored ones, and root volumes once detached. */
export interface StoredVolume {
  readonly volumeId: string;
  readonly availabilityZone: string;
  readonly size: number;
  readonly snapshotId?: string;
  /** The data on it (from its snapshot), for snapshots of it; absent: measured on its instance. */
  readonly dataBytes?: number;
  readonly tags: Tag[];
  readonly createdAt: number;
  /** Epoch ms when it turns from creating to available. */
  readonly availableAt: number;
  attachment?: StoredAttachment;
  deletedAt?: number;
}

interface VolumeState {
  volumes: StoredVolume[];
  /** Instances whose root volume moved into `volumes` (it was detached once); the others still have their implicit one. */
  tracked: string[];
}

export type VolumeStateName = 'creating' | 'available' | 'in-use';
export type AttachmentStateName = 'attaching' | 'attached' | 'detaching';

/** One volume as DescribeVolumes and the inventory show it. */
export interface VolumeView {
  readonly volumeId: string;
  readonly availabilityZone: string;
  readonly size: number;
  readonly snapshotId?: string;
  readonly state: VolumeStateName;
  readonly createdAt: number;
  readonly tags: readonly Tag[];
  readonly dataBytes?: number;
  readonly attachment?: { readonly instanceId: string; readonly device: string; readonly state: AttachmentStateName; readonly attachTime: number; readonly deleteOnTermination: boolean };
}

/**
 * EBS volumes beyond each instance's own root volume, persisted under `<dataDir>/sandbox/ec2-volumes.json`.
 * An instance keeps its implicit root volume (id derived from the instance) until DetachVolume moves it in
 * here; volumes a restore creates live here from the start. Attaching and detaching take model time, and a
 * terminate deletes what was attached with DeleteOnTermination and detaches the rest, as EC2 does.
 */
export class VolumeStore {
  private state: VolumeState;
  private readonly file: JsonFile<VolumeState>;

  constructor(
    dir: string,
    private readonly ec2: Ec2Model,
    private readonly clock: SandboxClock,
  ) {
    this.file = new JsonFile(dir, 'ec2-volumes');
    this.state = this.file.load(() => ({ volumes: [], tracked: [] }));
  }

  reset(): void {
    this.state = { volumes: [], tracked: [] };
    this.persist();
  }

  /** Every volume that exists now: implicit root volumes of live untracked instances, then the stored ones. */
  all(now = this.clock.now()): VolumeView[] {
    const implicit = this.ec2
      .all()
      .filter((instance) => !this.state.tracked.includes(instance.instanceId) && this.ec2.stateOf(instance, now).state !== 'terminated')
      .map((instance) => this.implicitView(instance));
    const stored = this.state.volumes.map((volume) => this.view(volume, now)).filter((view): view is VolumeView => view !== undefined);
    return [...implicit, ...stored];
  }

  find(volumeId: string, now = this.clock.now()): VolumeView | undefined {
    return this.all(now).find((volume) => volume.volumeId === volumeId);
  }

  /** The volume attached at the root device (in any attachment state), or undefined when there is none. */
  rootOf(instance: StoredInstance, now = this.clock.now()): VolumeView | undefined {
    if (!this.state.tracked.includes(instance.instanceId)) return this.implicitView(instance);
    return this.all(now).find((volume) => volume.attachment?.instanceId === instance.instanceId && volume.attachment.device === ROOT_DEVICE);
  }

  /** A new volume from a snapshot (a restore job): creating until `availableAt`. */
  createFromSnapshot(request: { snapshotId: string; availabilityZone: string; size: number; dataBytes?: number; tags: Tag[]; availableAt: number }): StoredVolume {
    const volume: StoredVolume = {
      volumeId: `vol-${randomBytes(9).toString('hex').slice(0, 17)}`,
      availabilityZone: request.availabilityZone,
      size: request.size,
      snapshotId: request.snapshotId,
      ...(request.dataBytes !== undefined ? { dataBytes: request.dataBytes } : {}),
      tags: request.tags,
      createdAt: this.clock.now(),
      availableAt: request.availableAt,
    };
    this.state.volumes.push(volume);
    this.persist();
    return volume;
  }

  attach(volumeId: string, instanceId: string, device: string): VolumeView {
    const now = this.clock.now();
    const volume = this.require(volumeId, now);
    const [instance] = this.ec2.requireInstances([instanceId]);
    const instanceState = this.ec2.stateOf(instance!, now).state;
    if (!['running', 'stopped'].includes(instanceState)) {
      throw new AwsServiceError('IncorrectInstanceState', `The instance '${instanceId}' is not in a valid state for this operation.`);
    }
    if (volume.state !== 'available') throw new AwsServiceError('IncorrectState', `vol '${volumeId}' is in the '${volume.state}' state.`);
    if (volume.availabilityZone !== instance!.availabilityZone) {
      throw new AwsServiceError('InvalidVolume.ZoneMismatch', `The volume '${volumeId}' is not in the same availability zone as instance '${instanceId}'`);
    }
    const taken = this.all(now).find((other) => other.attachment?.instanceId === instanceId && other.attachment.device === device);
    if (taken) throw new AwsServiceError('InvalidParameterValue', `Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
    const stored = this.stored(volumeId)!;
    stored.attachment = { instanceId, device, attachingAt: now, attachedAt: now + this.clock.secondsToMs(ATTACH_MODEL_SECONDS), deleteOnTermination: false };
    this.persist();
    return this.view(stored, now)!;
  }

  detach(volumeId: string, instanceId: string | undefined, force: boolean): VolumeView {
    const now = this.clock.now();
    const volume = this.require(volumeId, now);
    const attachment = volume.attachment;
    if (!attachment || attachment.state === 'detaching') throw new AwsServiceError('IncorrectState', `Volume '${volumeId}' is in the '${attachment ? 'detaching' : 'available'}' state.`);
    if (instanceId !== undefined && attachment.instanceId !== instanceId) {
      throw new AwsServiceError('InvalidAttachment.NotFound', `Volume '${volumeId}' is not attached to instance '${instanceId}'.`);
    }
    const instance = this.ec2.find(attachment.instanceId)!;
    if (attachment.device === ROOT_DEVICE && this.ec2.stateOf(instance, now).state !== 'stopped' && !force) {
      throw new AwsServiceError('OperationNotPermitted', `Unable to detach root volume '${volumeId}' from instance '${attachment.instanceId}'`);
    }
    const stored = this.stored(volumeId) ?? this.materialize(instance);
    stored.attachment = { ...stored.attachment!, detachingAt: now, detachedAt: now + this.clock.secondsToMs(DETACH_MODEL_SECONDS) };
    this.persist();
    return this.view(stored, now)!;
  }

  /** ModifyInstanceAttribute's BlockDeviceMapping: DeleteOnTermination of what is attached at `device`. */
  setDeleteOnTermination(instanceId: string, device: string, value: boolean): void {
    const now = this.clock.now();
    const [instance] = this.ec2.requireInstances([instanceId]);
    const attached = this.all(now).find((volume) => volume.attachment?.instanceId === instanceId && volume.attachment.device === device);
    if (!attached) throw new AwsServiceError('InvalidInstanceAttributeValue', `No device is currently mapped at ${device}`);
    const stored = this.stored(attached.volumeId) ?? this.materialize(instance!);
    stored.attachment!.deleteOnTermination = value;
    this.persist();
  }

  delete(volumeId: string): void {
    const now = this.clock.now();
    const volume = this.require(volumeId, now);
    if (volume.attachment) throw new AwsServiceError('VolumeInUse', `Volume ${volumeId} is currently attached to ${volume.attachment.instanceId}`);
    this.stored(volumeId)!.deletedAt = now;
    this.persist();
  }

  private require(volumeId: string, now: number): VolumeView {
    if (!VOLUME_ID.test(volumeId)) throw new AwsServiceError('InvalidVolumeID.Malformed', `Invalid id: "${volumeId}" (expecting "vol-...")`);
    const volume = this.find(volumeId, now);
    if (!volume) throw new AwsServiceError('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
    return volume;
  }

  private stored(volumeId: string): StoredVolume | undefined {
    return this.state.volumes.find((volume) => volume.volumeId === volumeId && volume.deletedAt === undefined);
  }

  /** Moves an instance's implicit root volume into the store (before its first detach). */
  private materialize(instance: StoredInstance): StoredVolume {
    const volume: StoredVolume = {
      volumeId: this.ec2.volumeIdOf(instance),
      availabilityZone: instance.availabilityZone,
      size: this.ec2.volumeSizeOf(instance),
      tags: [...(instance.volumeTags ?? [])],
      createdAt: instance.launchedAt,
      availableAt: instance.launchedAt,
      attachment: { instanceId: instance.instanceId, device: ROOT_DEVICE, attachingAt: instance.launchedAt, attachedAt: instance.launchedAt, deleteOnTermination: true },
    };
    this.state.volumes.push(volume);
    this.state.tracked.push(instance.instanceId);
    return volume;
  }

  private implicitView(instance: StoredInstance): VolumeView {
    return {
      volumeId: this.ec2.volumeIdOf(instance),
      availabilityZone: instance.availabilityZone,
      size: this.ec2.volumeSizeOf(instance),
      state: 'in-use',
      createdAt: instance.launchedAt,
      tags: instance.volumeTags ?? [],
      attachment: { instanceId: instance.instanceId, device: ROOT_DEVICE, state: 'attached', attachTime: instance.launchedAt, deleteOnTermination: true },
    };
  }

  /** A stored volume as it is at `now`, or undefined once deleted (by DeleteVolume, or with its terminated instance). */
  private view(volume: StoredVolume, now: number): VolumeView | undefined {
    if (volume.deletedAt !== undefined && volume.deletedAt <= now) return undefined;
    const base = {
      volumeId: volume.volumeId,
      availabilityZone: volume.availabilityZone,
      size: volume.size,
      ...(volume.snapshotId ? { snapshotId: volume.snapshotId } : {}),
      createdAt: volume.createdAt,
      tags: volume.tags,
      ...(volume.dataBytes !== undefined ? { dataBytes: volume.dataBytes } : {}),
    };
    if (now < volume.availableAt) return { ...base, state: 'creating' };
    const attachment = volume.attachment;
    const instance = attachment ? this.ec2.find(attachment.instanceId) : undefined;
    const terminated = instance ? this.ec2.stateOf(instance, now).state === 'terminated' : true;
    if (attachment && terminated && attachment.deleteOnTermination) return undefined;
    if (!attachment || terminated || (attachment.detachedAt !== undefined && attachment.detachedAt <= now)) return { ...base, state: 'available' };
    const state: AttachmentStateName = attachment.detachingAt !== undefined ? 'detaching' : now < attachment.attachedAt ? 'attaching' : 'attached';
    return {
      ...base,
      state: 'in-use',
      attachment: { instanceId: attachment.instanceId, device: attachment.device, state, attachTime: attachment.attachingAt, deleteOnTermination: attachment.deleteOnTermination },
    };
  }

  private persist(): void {
    this.file.save(this.state);
  }
}

/** AttachVolume, DetachVolume and DeleteVolume on the ec2Query protocol, answering as EC2 does. */
export function ec2VolumeOperations(store: VolumeStore): Record<string, (params: URLSearchParams) => XmlChild[]> {
  const required = (params: URLSearchParams, name: string): string => {
    const value = params.get(name);
    if (!value) throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}`);
    return value;
  };
  const attachmentMembers = (volume: VolumeView): XmlChild[] => [
    el('volumeId', volume.volumeId),
    el('instanceId', volume.attachment?.instanceId ?? ''),
    el('device', volume.attachment?.device ?? ''),
    el('status', volume.attachment?.state ?? 'detached'),
    el('attachTime', new Date(volume.attachment?.attachTime ?? volume.createdAt).toISOString()),
  ];
  return {
    AttachVolume: (params) => {
      const instanceId = required(params, 'InstanceId');
      if (!INSTANCE_ID.test(instanceId)) throw new AwsServiceError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
      return attachmentMembers(store.attach(required(params, 'VolumeId'), instanceId, required(params, 'Device')));
    },
    DetachVolume: (params) => {
      const instanceId = params.get('InstanceId') ?? undefined;
      return attachmentMembers(store.detach(required(params, 'VolumeId'), instanceId, params.get('Force') === 'true'));
    },
    DeleteVolume: (params) => {
      store.delete(required(params, 'VolumeId'));
      return [el('return', 'true')];
    },
    // Only the attribute restores change: DeleteOnTermination of an attached volume (a restored root volume).
    ModifyInstanceAttribute: (params) => {
      const instanceId = required(params, 'InstanceId');
      const mappings = structListParam(params, 'BlockDeviceMapping');
      if (mappings.length === 0) throw new AwsServiceError('InvalidParameterCombination', 'This sandbox modifies only BlockDeviceMapping (DeleteOnTermination)');
      for (const mapping of mappings) {
        const device = mapping.get('DeviceName');
        const value = mapping.get('Ebs.DeleteOnTermination');
        if (!device || (value !== 'true' && value !== 'false')) throw new AwsServiceError('InvalidParameterValue', 'BlockDeviceMapping needs DeviceName and Ebs.DeleteOnTermination');
        store.setDeleteOnTermination(instanceId, device, value === 'true');
      }
      return [el('return', 'true')];
    },
  };
}
