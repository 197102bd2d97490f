import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../clients/secrets-manager';
import {
  parsePublicKeySet,
  parseStoredSigningKey,
  type PublicKeySet,
  type StoredSigningKey,
} from '../core/signing-keys';

/**
 * Reads and writes of the two signing key secrets, shared by the deploy-time key generator and the
 * rotation function. Secrets Manager's staging labels carry the lifecycle: AWSPENDING (being rotated in),
 * AWSCURRENT (signs), AWSPREVIOUS (set by Secrets Manager on the version AWSCURRENT left).
 */

export interface SecretVersions {
  readonly rotationEnabled: boolean;
  /** Version id to its staging labels. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
  readonly lastRotatedDate?: Date;
}

export interface KeyVersion {
  readonly key: StoredSigningKey | undefined;
  readonly versionId?: string;
  readonly createdDate?: Date;
}

export async function describeVersions(secretId: string): Promise<SecretVersions> {
  const out = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  return {
    rotationEnabled: out.RotationEnabled === true,
    versions: out.VersionIdsToStages ?? {},
    lastRotatedDate: out.LastRotatedDate,
  };
}

/** The version id holding a staging label, if any. */
export function versionWithStage(versions: SecretVersions, stage: string): string | undefined {
  return Object.entries(versions.versions).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * One version of the private key secret. `key` is undefined when that version has no value yet (a pending
 * version before createSecret filled it) or holds no key of ours (the generated placeholder).
 */
export async function readKeyVersion(secretId: string, select: { versionId?: string; stage: string }): Promise<KeyVersion> {
  try {
    const out = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: select.versionId, VersionStage: select.stage }),
    );
    return { key: parseStoredSigningKey(out.SecretString), versionId: out.VersionId, createdDate: out.CreatedDate };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { key: undefined };
    throw error;
  }
}

/**
 * Writes a key as a version of the private key secret. With a token, a retry with the same key is a no-op
 * for Secrets Manager (and a different value under the same token is refused).
 */
export async function putKey(secretId: string, key: StoredSigningKey, options: { token?: string; stages?: string[] } = {}): Promise<void> {
  await secretsManager.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      SecretString: JSON.stringify(key),
      ClientRequestToken: options.token,
      VersionStages: options.stages,
    }),
  );
}

export async function readPublicKeys(secretId: string): Promise<PublicKeySet | undefined> {
  try {
    const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    return parsePublicKeySet(out.SecretString);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Replaces the trusted public keys (a new AWSCURRENT version); the same token and set again is a no-op. */
export async function publishPublicKeys(secretId: string, set: PublicKeySet, token?: string): Promise<void> {
  await secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(set), ClientRequestToken: token }));
}

/** Makes a version current; Secrets Manager labels the one it replaces AWSPREVIOUS. */
export async function makeCurrent(secretId: string, versionId: string, currentVersionId: string | undefined): Promise<void> {
  await secretsManager.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: versionId,
      RemoveFromVersionId: currentVersionId,
    }),
  );
}

/**
 * Cancels a rotation: its version loses AWSPENDING, so Secrets Manager does not reattempt it (the next
 * RotateSecret starts afresh).
 */
export async function cancelPending(secretId: string, versionId: string): Promise<void> {
  await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: versionId }));
}
