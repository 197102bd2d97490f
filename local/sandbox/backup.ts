import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../edge/aws-json';
import type { EdgeRequest } from '../edge/edge-service';
import type { SandboxClock } from './clock';
import type { Ec2Model, StoredSnapshot, Tag } from './ec2';
import type { FaultQueue } from './faults';
import { JsonFile } from './json-file';
import { restJsonError, restJsonResponse, restRouteService, routeActions, type RestRoute } from './protocols';
import type { SandboxService } from './registry';

/** The one vault the local stack has (BACKUP_VAULT_NAME in local/local-env.ts). */
export const LOCAL_BACKUP_VAULT = 'stackpro-local-customer-backups';

/** An on-demand job: its recovery point is the EC2 snapshot it took (an EBS recovery point is a snapshot). */
interface StoredJob {
  readonly backupJobId: string;
  readonly idempotencyToken?: string;
  readonly vault: string;
  readonly resourceArn: string;
  readonly iamRoleArn: string;
  readonly snapshotId: string;
  readonly recoveryPointArn: string;
  readonly createdAt: number;
  readonly deleteAfterDays?: number;
  /** The volume's tags when it was backed up: a restore with CopySourceTagsToRestoredResource puts them on the new volume. */
  readonly sourceTags?: Tag[];
}

/** A restore of a recovery point to a new EBS volume. */
interface StoredRestoreJob {
  readonly restoreJobId: string;
  readonly idempotencyToken?: string;
  readonly recoveryPointArn: string;
  readonly iamRoleArn: string;
  readonly createdAt: number;
  /** Epoch ms when it ends (COMPLETED, or the outcome fault's FAILED / ABORTED). */
  readonly endsAt: number;
  readonly outcome: 'COMPLETED' | 'FAILED' | 'ABORTED';
  /** The volume it creates (creating until `endsAt`); none when it fails. */
  readonly volumeId?: string;
  readonly sizeBytes?: number;
}

interface BackupState {
  jobs: StoredJob[];
  /** Absent in files written before restores were modelled. */
  restoreJobs?: StoredRestoreJob[];
}

const VOLUME_ARN = /^arn:aws:ec2:([a-z0-9-]+):(\d{12}):volume\/(vol-[0-9a-f]+)$/;
const RECOVERY_POINT_ARN = /^arn:aws:ec2:([a-z0-9-]+)::snapshot\/(snap-[0-9a-f]+)$/;
const DAY_MS = 24 * 3600 * 1000;
/** A restore job of a small EBS volume takes minutes (model seconds, scaled by the sandbox clock). */
const RESTORE_MODEL_SECONDS = 120;
/** What a failed job says, as AWS Backup words it. */
const RESTORE_FAILED_MESSAGE = 'Restore job failed: the volume could not be created from the recovery point.';

/**
 * AWS Backup's on-demand jobs of EBS volumes, persisted under `<dataDir>/sandbox/backup.json`. A job takes an
 * EC2 snapshot in the sandbox's EC2 (so a restore can CreateVolume from it) and completes when it does, after
 * the snapshot's modelled delay. The daily schedule is not modelled: tests take backups on demand.
 */
export class BackupModel {
  private state: BackupState;
  private readonly file: JsonFile<BackupState>;

  constructor(
    dir: string,
    private readonly ec2: Ec2Model,
    private readonly clock: SandboxClock,
  ) {
    this.file = new JsonFile(dir, 'backup');
    this.state = this.file.load(() => ({ jobs: [] }));
  }

  reset(): void {
    this.state = { jobs: [], restoreJobs: [] };
    this.file.save(this.state);
  }

  /** Jobs whose snapshot still exists (a DeleteSnapshot of the recovery point removes it). */
  jobs(): StoredJob[] {
    const snapshots = new Set(this.ec2.snapshots().map((snapshot) => snapshot.snapshotId));
    return this.state.jobs.filter((job) => snapshots.has(job.snapshotId));
  }

  private snapshotOf(job: StoredJob): StoredSnapshot | undefined {
    return this.ec2.snapshots().find((snapshot) => snapshot.snapshotId === job.snapshotId);
  }

  completed(job: StoredJob): boolean {
    const snapshot = this.snapshotOf(job);
    return snapshot !== undefined && this.ec2.snapshotState(snapshot) === 'completed';
  }

  sizeBytes(job: StoredJob): number | undefined {
    return this.completed(job) ? this.snapshotOf(job)?.fullSizeBytes : undefined;
  }

  /** StartBackupJob: the same idempotency token answers the job it started before. */
  start(request: { vault: string; resourceArn: string; iamRoleArn: string; idempotencyToken?: string; deleteAfterDays?: number }): StoredJob {
    this.requireVault(request.vault);
    const earlier = request.idempotencyToken ? this.state.jobs.find((job) => job.idempotencyToken === request.idempotencyToken) : undefined;
    if (earlier) return earlier;
    const volume = VOLUME_ARN.exec(request.resourceArn);
    if (!volume) throw new AwsServiceError('InvalidParameterValueException', `Invalid resource ARN: ${request.resourceArn}`);
    if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(request.iamRoleArn)) throw new AwsServiceError('InvalidParameterValueException', 'IamRoleArn must be a role ARN');
    let snapshot: StoredSnapshot;
    try {
      snapshot = this.ec2.createSnapshot({
        volumeId: volume[3]!,
        description: 'This snapshot is created by the AWS Backup service.',
        tags: [{ Key: 'aws:backup:source-resource', Value: volume[3]! }, { Key: 'ManagedBy', Value: 'stackpro' }],
      });
    } catch (error) {
      if (error instanceof AwsServiceError) throw new AwsServiceError('ResourceNotFoundException', `Resource ${request.resourceArn} not found`);
      throw error;
    }
    const sourceTags = [...(this.ec2.volumes.find(volume[3]!)?.tags ?? [])];
    const job: StoredJob = {
      backupJobId: randomUUID().toUpperCase(),
      sourceTags,
      ...(request.idempotencyToken ? { idempotencyToken: request.idempotencyToken } : {}),
      vault: request.vault,
      resourceArn: request.resourceArn,
      iamRoleArn: request.iamRoleArn,
      snapshotId: snapshot.snapshotId,
      recoveryPointArn: `arn:aws:ec2:${volume[1]}::snapshot/${snapshot.snapshotId}`,
      createdAt: snapshot.startedAt,
      ...(request.deleteAfterDays !== undefined ? { deleteAfterDays: request.deleteAfterDays } : {}),
    };
    this.state.jobs.push(job);
    this.file.save(this.state);
    return job;
  }

  /** The Customer tag of the volume the job backed up (as it was then; else of the instance its id derives from). */
  customerOf(job: StoredJob): string | undefined {
    const tagged = job.sourceTags?.find((tag) => tag.Key === 'Customer')?.Value;
    if (tagged) return tagged;
    const volumeId = VOLUME_ARN.exec(job.resourceArn)?.[3];
    const instance = this.ec2.all().find((candidate) => this.ec2.volumeIdOf(candidate) === volumeId);
    return instance?.tags.find((tag) => tag.Key === 'Customer')?.Value;
  }

  /**
   * StartRestoreJob of an EBS recovery point: a new volume in the given Availability Zone, creating for the
   * job's modelled time, with the source volume's tags when asked. `outcome` (the RestoreOutcome fault)
   * makes the job end FAILED or ABORTED instead, creating nothing. The same idempotency token answers the
   * job it started before.
   */
  startRestore(request: { recoveryPointArn: string; iamRoleArn: string; availabilityZone?: string; copyTags: boolean; idempotencyToken?: string }, outcome?: 'FAILED' | 'ABORTED'): StoredRestoreJob {
    const earlier = request.idempotencyToken ? this.restoreJobs().find((job) => job.idempotencyToken === request.idempotencyToken) : undefined;
    if (earlier) return earlier;
    if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(request.iamRoleArn)) throw new AwsServiceError('InvalidParameterValueException', 'IamRoleArn must be a role ARN');
    if (!RECOVERY_POINT_ARN.test(request.recoveryPointArn)) throw new AwsServiceError('InvalidParameterValueException', `Invalid recovery point ARN: ${request.recoveryPointArn}`);
    if (!request.availabilityZone) throw new AwsServiceError('InvalidParameterValueException', 'Restore metadata availabilityZone is required for EBS');
    const point = this.jobs().find((job) => job.recoveryPointArn === request.recoveryPointArn);
    if (!point) throw new AwsServiceError('ResourceNotFoundException', `Recovery point ${request.recoveryPointArn} not found`);
    if (!this.completed(point)) throw new AwsServiceError('InvalidRequestException', `Recovery point ${request.recoveryPointArn} is not in COMPLETED status`);
    const snapshot = this.snapshotOf(point)!;
    const now = this.clock.now();
    const endsAt = now + this.clock.secondsToMs(RESTORE_MODEL_SECONDS);
    const volume = outcome
      ? undefined
      : this.ec2.volumes.createFromSnapshot({
          snapshotId: snapshot.snapshotId,
          availabilityZone: request.availabilityZone,
          size: snapshot.volumeSize,
          dataBytes: snapshot.fullSizeBytes,
          tags: request.copyTags ? [...(point.sourceTags ?? [])] : [],
          availableAt: endsAt,
        });
    const job: StoredRestoreJob = {
      restoreJobId: randomUUID().toUpperCase(),
      ...(request.idempotencyToken ? { idempotencyToken: request.idempotencyToken } : {}),
      recoveryPointArn: request.recoveryPointArn,
      iamRoleArn: request.iamRoleArn,
      createdAt: now,
      endsAt,
      outcome: outcome ?? 'COMPLETED',
      ...(volume ? { volumeId: volume.volumeId } : {}),
      ...(snapshot.fullSizeBytes !== undefined ? { sizeBytes: snapshot.fullSizeBytes } : {}),
    };
    this.state.restoreJobs = [...this.restoreJobs(), job];
    this.file.save(this.state);
    return job;
  }

  restoreJobs(): StoredRestoreJob[] {
    return this.state.restoreJobs ?? [];
  }

  restoreJob(restoreJobId: string): StoredRestoreJob {
    const found = this.restoreJobs().find((job) => job.restoreJobId === restoreJobId);
    if (!found) throw new AwsServiceError('ResourceNotFoundException', `Restore job ${restoreJobId} not found`);
    return found;
  }

  /** PENDING for the first tenth of its time, RUNNING, then its outcome. */
  restoreStatus(job: StoredRestoreJob, now = this.clock.now()): { status: string; percentDone: number } {
    if (now >= job.endsAt) return { status: job.outcome, percentDone: job.outcome === 'COMPLETED' ? 100 : 0 };
    const share = (now - job.createdAt) / Math.max(1, job.endsAt - job.createdAt);
    return share < 0.1 ? { status: 'PENDING', percentDone: 0 } : { status: 'RUNNING', percentDone: Math.min(99, Math.floor(share * 100)) };
  }

  job(backupJobId: string): StoredJob {
    const found = this.state.jobs.find((job) => job.backupJobId === backupJobId);
    if (!found) throw new AwsServiceError('ResourceNotFoundException', `Backup job ${backupJobId} not found`);
    return found;
  }

  recoveryPoint(vault: string, recoveryPointArn: string): StoredJob {
    this.requireVault(vault);
    if (!RECOVERY_POINT_ARN.test(recoveryPointArn)) throw new AwsServiceError('InvalidParameterValueException', `Invalid recovery point ARN: ${recoveryPointArn}`);
    const found = this.jobs().find((job) => job.recoveryPointArn === recoveryPointArn && job.vault === vault);
    if (!found) throw new AwsServiceError('ResourceNotFoundException', `Recovery point ${recoveryPointArn} not found`);
    return found;
  }

  private requireVault(vault: string): void {
    if (vault !== LOCAL_BACKUP_VAULT) throw new AwsServiceError('AccessDeniedException', `Backup vault ${vault} does not exist or is not accessible`, 403);
  }
}

/** AWS Backup on the restJson protocol: timestamps as epoch seconds, errors in `x-amzn-errortype`. */
export function backupSandboxService(model: BackupModel, faults: FaultQueue): SandboxService {
  const backupFaults = faults.forService('backup');
  const seconds = (ms: number) => ms / 1000;
  const pointStatus = (job: StoredJob) => (model.completed(job) ? 'COMPLETED' : 'CREATING');
  const size = (job: StoredJob) => model.sizeBytes(job);
  const routes: RestRoute[] = [
    {
      action: 'StartRestoreJob',
      method: 'PUT',
      path: /^\/restore-jobs\/?$/,
      run: (request) => {
        const body = jsonBody(request);
        const text = (name: string) => {
          const value = body[name];
          if (typeof value !== 'string' || value === '') throw new AwsServiceError('MissingParameterValueException', `${name} is required`);
          return value;
        };
        const metadata = (body.Metadata ?? {}) as Record<string, unknown>;
        if (body.ResourceType !== undefined && body.ResourceType !== 'EBS') throw new AwsServiceError('InvalidParameterValueException', 'This sandbox restores EBS recovery points only');
        const outcome = backupFaults.take('RestoreOutcome')?.error as 'FAILED' | 'ABORTED' | undefined;
        const job = model.startRestore(
          {
            recoveryPointArn: text('RecoveryPointArn'),
            iamRoleArn: text('IamRoleArn'),
            availabilityZone: typeof metadata.availabilityZone === 'string' ? metadata.availabilityZone : undefined,
            copyTags: body.CopySourceTagsToRestoredResource === true,
            idempotencyToken: typeof body.IdempotencyToken === 'string' ? body.IdempotencyToken : undefined,
          },
          outcome,
        );
        return restJsonResponse(200, { RestoreJobId: job.restoreJobId });
      },
    },
    {
      action: 'DescribeRestoreJob',
      method: 'GET',
      path: /^\/restore-jobs\/([^/]+)$/,
      run: (_request, [, id]) => {
        const job = model.restoreJob(decodeURIComponent(id!));
        const { status, percentDone } = model.restoreStatus(job);
        const ended = ['COMPLETED', 'FAILED', 'ABORTED'].includes(status);
        return restJsonResponse(200, {
          AccountId: '000000000000',
          RestoreJobId: job.restoreJobId,
          RecoveryPointArn: job.recoveryPointArn,
          IamRoleArn: job.iamRoleArn,
          ResourceType: 'EBS',
          CreationDate: seconds(job.createdAt),
          Status: status,
          PercentDone: `${percentDone}.0`,
          ...(ended ? { CompletionDate: seconds(job.endsAt) } : {}),
          ...(status === 'FAILED' ? { StatusMessage: RESTORE_FAILED_MESSAGE } : status === 'ABORTED' ? { StatusMessage: 'Restore job was aborted.' } : {}),
          ...(status === 'COMPLETED' && job.volumeId ? { CreatedResourceArn: `arn:aws:ec2:us-east-1:000000000000:volume/${job.volumeId}` } : {}),
          ...(job.sizeBytes !== undefined ? { BackupSizeInBytes: job.sizeBytes } : {}),
        });
      },
    },
    {
      action: 'StartBackupJob',
      method: 'PUT',
      path: /^\/backup-jobs\/?$/,
      run: (request) => {
        const body = jsonBody(request);
        const text = (name: string) => {
          const value = body[name];
          if (typeof value !== 'string' || value === '') throw new AwsServiceError('MissingParameterValueException', `${name} is required`);
          return value;
        };
        const lifecycle = body.Lifecycle as { DeleteAfterDays?: unknown } | undefined;
        const job = model.start({
          vault: text('BackupVaultName'),
          resourceArn: text('ResourceArn'),
          iamRoleArn: text('IamRoleArn'),
          idempotencyToken: typeof body.IdempotencyToken === 'string' ? body.IdempotencyToken : undefined,
          deleteAfterDays: typeof lifecycle?.DeleteAfterDays === 'number' ? lifecycle.DeleteAfterDays : undefined,
        });
        return restJsonResponse(200, { BackupJobId: job.backupJobId, RecoveryPointArn: job.recoveryPointArn, CreationDate: seconds(job.createdAt), IsParent: false });
      },
    },
    {
      action: 'DescribeBackupJob',
      method: 'GET',
      path: /^\/backup-jobs\/([^/]+)$/,
      run: (_request, [, id]) => {
        const job = model.job(decodeURIComponent(id!));
        const done = model.completed(job);
        return restJsonResponse(200, {
          AccountId: '000000000000',
          BackupJobId: job.backupJobId,
          BackupVaultName: job.vault,
          RecoveryPointArn: job.recoveryPointArn,
          ResourceArn: job.resourceArn,
          ResourceType: 'EBS',
          IamRoleArn: job.iamRoleArn,
          CreationDate: seconds(job.createdAt),
          State: done ? 'COMPLETED' : 'RUNNING',
          PercentDone: done ? '100.0' : '0.0',
          ...(done ? { BackupSizeInBytes: size(job) } : {}),
        });
      },
    },
    {
      action: 'DescribeRecoveryPoint',
      method: 'GET',
      path: /^\/backup-vaults\/([^/]+)\/recovery-points\/([^/]+)$/,
      run: (_request, [, vault, arn]) => {
        const job = model.recoveryPoint(decodeURIComponent(vault!), decodeURIComponent(arn!));
        return restJsonResponse(200, {
          RecoveryPointArn: job.recoveryPointArn,
          BackupVaultName: job.vault,
          ResourceArn: job.resourceArn,
          ResourceType: 'EBS',
          IamRoleArn: job.iamRoleArn,
          Status: pointStatus(job),
          CreationDate: seconds(job.createdAt),
          ...(size(job) !== undefined ? { BackupSizeInBytes: size(job) } : {}),
          ...(job.deleteAfterDays !== undefined
            ? { Lifecycle: { DeleteAfterDays: job.deleteAfterDays }, CalculatedLifecycle: { DeleteAt: seconds(job.createdAt + job.deleteAfterDays * DAY_MS) } }
            : {}),
        });
      },
    },
    {
      action: 'ListRecoveryPointsByResource',
      method: 'GET',
      path: /^\/resources\/([^/]+)\/recovery-points\/?$/,
      run: (request, [, arn]) => {
        const resourceArn = decodeURIComponent(arn!);
        const { query } = request;
        const max = Number(query.get('maxResults') ?? 100);
        if (!Number.isInteger(max) || max < 1 || max > 100) throw new AwsServiceError('InvalidParameterValueException', 'maxResults must be 1 to 100');
        const offset = Number(query.get('nextToken') ?? 0);
        if (!Number.isInteger(offset) || offset < 0) throw new AwsServiceError('InvalidParameterValueException', 'Invalid nextToken');
        const mine = model.jobs().filter((job) => job.resourceArn === resourceArn);
        const page = mine.slice(offset, offset + max);
        return restJsonResponse(200, {
          RecoveryPoints: page.map((job) => ({
            RecoveryPointArn: job.recoveryPointArn,
            CreationDate: seconds(job.createdAt),
            Status: pointStatus(job),
            BackupVaultName: job.vault,
            ...(size(job) !== undefined ? { BackupSizeBytes: size(job) } : {}),
          })),
          ...(offset + max < mine.length ? { NextToken: String(offset + max) } : {}),
        });
      },
    },
  ];
  return {
    name: 'backup',
    signingName: 'backup',
    edge: restRouteService(routes, { label: 'Backup', faults: backupFaults, encodeError: restJsonError }),
    actions: routeActions(routes),
    outcomes: { RestoreOutcome: ['FAILED', 'ABORTED'] },
    errorStatus: { ThrottlingException: 429, ServiceUnavailableException: 500, AccessDeniedException: 403 },
    inventory: {
      recoveryPoints: (query) =>
        model
          .jobs()
          .filter((job) => query.customer === undefined || model.customerOf(job) === query.customer)
          .map((job) => ({ recoveryPointArn: job.recoveryPointArn, resourceArn: job.resourceArn, status: pointStatus(job) })),
    },
    reset: () => model.reset(),
  };
}

function jsonBody(request: EdgeRequest): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AwsServiceError('InvalidParameterValueException', 'The request body is not a JSON object');
}
