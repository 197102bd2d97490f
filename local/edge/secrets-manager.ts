import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';
import { AwsServiceError, awsJsonService, epochSeconds, optionalString, requiredString } from './aws-json';
import type { EdgeService } from './edge-service';

/** One version of a secret. A version RotateSecret just made has staging labels but no value yet. */
interface SecretVersion {
  readonly versionId: string;
  secretString?: string;
  stages: string[];
  readonly createdAt: number;
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly createdAt: number;
  lastChangedAt: number;
  lastRotatedAt?: number;
  versions: SecretVersion[];
}

/** Runs one step of a rotation function, as Secrets Manager invokes it. */
export type RotationInvoker = (event: { Step: RotationStep; SecretId: string; ClientRequestToken: string }) => Promise<unknown>;
type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export interface RotationSettings {
  /** Shown in DescribeSecret as RotationLambdaARN. */
  readonly lambdaArn: string;
  readonly automaticallyAfterDays: number;
  readonly invoke: RotationInvoker;
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/**
 * The secrets the local stack serves (the JWT signing key, its public keys, the Stripe keys), with
 * Secrets Manager's versions and staging labels, so rotation runs here as it does in AWS. With a file, every
 * change is written to it (0600: it holds private keys), so a restart keeps the keys and their versions.
 */
export class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly rotations = new Map<string, RotationSettings>();
  private readonly rotating = new Map<string, Promise<void>>();

  constructor(private readonly file?: string) {
    if (!file) return;
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    let stored: { secrets: StoredSecret[] };
    try {
      stored = JSON.parse(text) as { secrets: StoredSecret[] };
    } catch (error) {
      // Never start over silently: new keys would log every local user out.
      throw new Error(`${file} is not valid JSON (${String(error)}); delete it to start with new keys`, { cause: error });
    }
    for (const secret of stored.secrets) this.secrets.set(secret.name, secret);
  }

  /** Sets the current value (a new version), unless it is the current value already. */
  put(name: string, secretString: string): void {
    const secret = this.find(name) ?? this.create(name);
    if (this.version(secret, { stage: CURRENT })?.secretString === secretString) return;
    this.putValue(secret, { secretString, token: randomUUID(), stages: [CURRENT] });
  }

  /** The current value, if the secret exists. */
  current(secretId: string): string | undefined {
    const secret = this.find(secretId);
    return secret && this.version(secret, { stage: CURRENT })?.secretString;
  }

  /** Lets RotateSecret run on this secret; `invoke` runs the rotation function's steps. */
  enableRotation(name: string, settings: RotationSettings): void {
    if (!this.find(name)) throw new Error(`No local secret ${name} to rotate`);
    this.rotations.set(name, settings);
  }

  /** By name or full ARN, as the API accepts both. */
  find(secretId: string): StoredSecret | undefined {
    return this.secrets.get(secretId) ?? [...this.secrets.values()].find((secret) => secret.arn === secretId);
  }

  /** Waits for rotations in flight (tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.rotating.values()]);
  }

  /** Every secret, oldest first (ListSecrets sorts by CreatedDate). */
  list(): StoredSecret[] {
    return [...this.secrets.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  rotationOf(secret: StoredSecret): RotationSettings | undefined {
    return this.rotations.get(secret.name);
  }

  private create(name: string): StoredSecret {
    // Real ARNs end in a random 6-character suffix; clients must not rely on guessing it.
    const suffix = randomUUID().slice(0, 6);
    const now = Date.now();
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:${name}-${suffix}`,
      name,
      createdAt: now,
      lastChangedAt: now,
      versions: [],
    };
    this.secrets.set(name, secret);
    return secret;
  }

  version(secret: StoredSecret, select: { versionId?: string; stage?: string }): SecretVersion | undefined {
    const byId = select.versionId === undefined ? undefined : secret.versions.find((v) => v.versionId === select.versionId);
    if (select.versionId !== undefined) return byId && (!select.stage || byId.stages.includes(select.stage)) ? byId : undefined;
    return secret.versions.find((v) => v.stages.includes(select.stage ?? CURRENT));
  }

  /** PutSecretValue: the same token and value again is a no-op; a value for a rotation's version fills it. */
  putValue(secret: StoredSecret, input: { secretString: string; token: string; stages: string[] }): SecretVersion {
    let version = secret.versions.find((v) => v.versionId === input.token);
    if (version?.secretString !== undefined) {
      if (version.secretString !== input.secretString) {
        throw new AwsServiceError('ResourceExistsException', `A resource with the ID you requested already exists.`);
      }
      return version;
    }
    if (!version) {
      version = { versionId: input.token, stages: [], createdAt: Date.now() };
      secret.versions.push(version);
    }
    version.secretString = input.secretString;
    for (const stage of input.stages) this.attach(secret, stage, version);
    secret.lastChangedAt = Date.now();
    this.save();
    return version;
  }

  /** UpdateSecretVersionStage, with its checks. */
  moveStage(secret: StoredSecret, stage: string, moveTo: string | undefined, removeFrom: string | undefined): void {
    const holder = this.version(secret, { stage });
    const target = moveTo === undefined ? undefined : secret.versions.find((v) => v.versionId === moveTo);
    if (moveTo !== undefined && !target) throw new AwsServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version ${moveTo}.`);
    if (holder && holder !== target && holder.versionId !== removeFrom) {
      throw new AwsServiceError(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    if (!target) {
      if (stage === CURRENT) throw new AwsServiceError('InvalidParameterException', `You can't remove the staging label ${CURRENT} without moving it.`);
      if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
    } else {
      this.attach(secret, stage, target);
    }
    secret.lastChangedAt = Date.now();
    this.prune(secret);
    this.save();
  }

  /**
   * RotateSecret: a new version labelled AWSPENDING, then the rotation function's four steps, in the
   * background as in AWS. A rotation left unfinished is reattempted (with its own version) and refused.
   */
  rotate(secret: StoredSecret, token: string): string {
    const rotation = this.rotationOf(secret);
    if (!rotation) throw new AwsServiceError('InvalidRequestException', `Rotation is not configured for secret ${secret.name}.`);
    const unfinished = secret.versions.find((v) => v.stages.includes(PENDING) && !v.stages.includes(CURRENT));
    if (unfinished) {
      if (!this.rotating.has(secret.name)) this.runRotation(secret, rotation, unfinished.versionId);
      throw new AwsServiceError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    const version: SecretVersion = { versionId: token, stages: [PENDING], createdAt: Date.now() };
    secret.versions.push(version);
    this.save();
    this.runRotation(secret, rotation, token);
    return token;
  }

  private runRotation(secret: StoredSecret, rotation: RotationSettings, token: string): void {
    const run = (async () => {
      for (const step of STEPS) {
        await rotation.invoke({ Step: step, SecretId: secret.arn, ClientRequestToken: token });
      }
      const version = secret.versions.find((v) => v.versionId === token);
      if (!version?.stages.includes(CURRENT)) throw new Error(`finishSecret did not make version ${token} current`);
      // As AWS does after a successful rotation: the new version keeps only AWSCURRENT.
      version.stages = version.stages.filter((stage) => stage !== PENDING);
      secret.lastRotatedAt = Date.now();
      this.save();
    })()
      .catch((error: unknown) => {
        // AWS records this in the rotation function's logs; the secret keeps its AWSPENDING version.
        console.error(`[edge] rotation of ${secret.name} (version ${token}) failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      })
      .finally(() => this.rotating.delete(secret.name));
    this.rotating.set(secret.name, run);
  }

  /** A label is on one version at most; AWSCURRENT leaving a version puts AWSPREVIOUS there. */
  private attach(secret: StoredSecret, stage: string, target: SecretVersion): void {
    if (target.stages.includes(stage)) return;
    const holder = this.version(secret, { stage });
    if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
    target.stages.push(stage);
    if (stage === CURRENT && holder) {
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
      holder.stages.push(PREVIOUS);
    }
    this.prune(secret);
  }

  /** Versions without a label are deprecated in AWS and soon gone; here at once. */
  private prune(secret: StoredSecret): void {
    secret.versions = secret.versions.filter((v) => v.stages.length > 0);
  }

  private save(): void {
    if (!this.file) return;
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ secrets: [...this.secrets.values()] }, null, 1), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }
}

export function secretsManagerService(store: SecretStore): EdgeService {
  const secretFor = (input: Record<string, unknown>): StoredSecret => {
    const secret = store.find(requiredString(input, 'SecretId'));
    if (!secret) throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };
  // What DescribeSecret and each ListSecrets entry say (the version map is named differently in each).
  const describe = (secret: StoredSecret) => {
    const rotation = store.rotationOf(secret);
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: rotation !== undefined,
      ...(rotation && { RotationLambdaARN: rotation.lambdaArn, RotationRules: { AutomaticallyAfterDays: rotation.automaticallyAfterDays } }),
      ...(secret.lastRotatedAt !== undefined && { LastRotatedDate: epochSeconds(secret.lastRotatedAt) }),
      LastChangedDate: epochSeconds(secret.lastChangedAt),
      CreatedDate: epochSeconds(secret.createdAt),
      SecretVersionsToStages: Object.fromEntries(secret.versions.map((v) => [v.versionId, v.stages])),
    };
  };
  return awsJsonService({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    operations: {
      GetSecretValue: (input) => {
        const secret = secretFor(input);
        const versionId = optionalString(input, 'VersionId');
        const stage = optionalString(input, 'VersionStage');
        const version = store.version(secret, { versionId, stage: stage ?? (versionId ? undefined : CURRENT) });
        if (!version || version.secretString === undefined) {
          throw new AwsServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${versionId ? `VersionId: ${versionId}` : `staging label: ${stage ?? CURRENT}`}`);
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.versionId,
          SecretString: version.secretString,
          VersionStages: version.stages,
          CreatedDate: epochSeconds(version.createdAt),
        };
      },
      PutSecretValue: (input) => {
        const secret = secretFor(input);
        const stages = input.VersionStages === undefined ? [CURRENT] : stringList(input.VersionStages, 'VersionStages');
        const version = store.putValue(secret, {
          secretString: requiredString(input, 'SecretString'),
          token: optionalString(input, 'ClientRequestToken') ?? randomUUID(),
          stages,
        });
        return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
      },
      DescribeSecret: (input) => {
        const secret = secretFor(input);
        const { SecretVersionsToStages, ...described } = describe(secret);
        return { ...described, VersionIdsToStages: SecretVersionsToStages };
      },
      ListSecrets: (input) => listSecrets(store.list(), input, describe),
      UpdateSecretVersionStage: (input) => {
        const secret = secretFor(input);
        store.moveStage(secret, requiredString(input, 'VersionStage'), optionalString(input, 'MoveToVersionId'), optionalString(input, 'RemoveFromVersionId'));
        return { ARN: secret.arn, Name: secret.name };
      },
      RotateSecret: (input) => {
        const secret = secretFor(input);
        if (input.RotationLambdaARN !== undefined || input.RotationRules !== undefined) {
          throw new AwsServiceError('InvalidRequestException', 'The local sandbox rotates with the rotation configured by the local stack only.');
        }
        const versionId = store.rotate(secret, optionalString(input, 'ClientRequestToken') ?? randomUUID());
        return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
      },
    },
  });
}

const SECRET_FILTER_KEYS = ['name', 'description', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'];

/**
 * ListSecrets: sorted by CreatedDate (SortOrder asc by default), filtered as AWS filters (a value is a
 * case-sensitive prefix, `!` negates it; the local secrets have no description, tags or owning service),
 * in pages of MaxResults (1-100) with an opaque NextToken. Values are never listed.
 */
function listSecrets<T>(secrets: StoredSecret[], input: Record<string, unknown>, describe: (secret: StoredSecret) => T): object {
  const rawMax = input.MaxResults;
  if (rawMax !== undefined && (typeof rawMax !== 'number' || !Number.isInteger(rawMax) || rawMax < 1 || rawMax > 100)) {
    throw new AwsServiceError('ValidationException', 'MaxResults must be between 1 and 100');
  }
  const sortOrder = optionalString(input, 'SortOrder') ?? 'asc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw new AwsServiceError('ValidationException', 'SortOrder must be asc or desc');
  const filters = Array.isArray(input.Filters) ? (input.Filters as { Key?: unknown; Values?: unknown }[]) : [];
  const tests = filters.map((filter) => {
    if (typeof filter?.Key !== 'string' || !SECRET_FILTER_KEYS.includes(filter.Key)) {
      throw new AwsServiceError('InvalidParameterException', `Invalid filter key: ${String(filter?.Key)}. Valid keys: ${SECRET_FILTER_KEYS.join(', ')}`);
    }
    const values = stringList(filter.Values, 'Values');
    const fields = (secret: StoredSecret): string[] => (filter.Key === 'name' || filter.Key === 'all' ? [secret.name] : filter.Key === 'primary-region' ? [LOCAL_REGION] : []);
    return (secret: StoredSecret) =>
      values.some((value) => {
        const negated = value.startsWith('!');
        const prefix = negated ? value.slice(1) : value;
        const found = fields(secret).some((field) => field.startsWith(prefix));
        return negated ? !found : found;
      });
  });
  const matching = secrets.filter((secret) => tests.every((test) => test(secret)));
  if (sortOrder === 'desc') matching.reverse();
  const pageSize = (rawMax as number | undefined) ?? 100;
  const token = optionalString(input, 'NextToken');
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new AwsServiceError('InvalidNextTokenException', 'The NextToken value is not valid.');
  const next = offset + pageSize < matching.length ? Buffer.from(String(offset + pageSize)).toString('base64url') : undefined;
  return { SecretList: matching.slice(offset, offset + pageSize).map(describe), ...(next && { NextToken: next }) };
}

function stringList(value: unknown, member: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new AwsServiceError('ValidationException', `${member} must be a non-empty list of strings`);
  }
  return value as string[];
}
