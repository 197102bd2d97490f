import type { Context, SecretsManagerRotationEvent } from 'aws-lambda';
import { ResourceExistsException } from '@aws-sdk/client-secrets-manager';
import { importJWK, type CryptoKey } from 'jose';
import { config } from '../config';
import {
  earliestNextRotation,
  generateSigningKey,
  publicKeySetFor,
  RotationStateError,
  RotationTooSoonError,
  type StoredSigningKey,
} from '../core/signing-keys';
import { keyResolver, signAccessToken, verifyAccessToken } from '../core/tokens';
import { logger, traceHandler } from '../observability';
import {
  cancelPending,
  describeVersions,
  makeCurrent,
  publishPublicKeys,
  putKey,
  readKeyVersion,
  readPublicKeys,
  versionWithStage,
  type SecretVersions,
} from './signing-key-secrets';

/**
 * Secrets Manager's rotation function for the JWT signing key. Secrets Manager calls it four times per
 * rotation with the same token (the new version's id), and may repeat any call, so every step first
 * checks whether its work is already done:
 * 1. createSecret: a new key pair as the AWSPENDING version.
 * 2. setSecret: publish the trusted public keys as {new, current}: authorizers accept the new key before
 *    anything signs with it, and the current one stays trusted after it is replaced.
 * 3. testSecret: a token signed with the new key verifies against the published set.
 * 4. finishSecret: the new version becomes AWSCURRENT (the old one AWSPREVIOUS); signers pick it up within
 *    their cache age.
 */
export const handler = (event: SecretsManagerRotationEvent, context?: Context): Promise<void> =>
  traceHandler('rotate-signing-key', { step: event.Step }, () => rotate(event), context);

async function rotate(event: SecretsManagerRotationEvent): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const state = await describeVersions(secretId);
  if (!state.rotationEnabled) throw new RotationStateError('Rotation is not enabled on the signing key secret');
  const stages = state.versions[token];
  if (!stages) throw new RotationStateError(`Version ${token} of the signing key secret does not exist`);
  if (stages.includes('AWSCURRENT')) {
    logger.info('Signing key version is already current', { step, versionId: token });
    return;
  }
  if (!stages.includes('AWSPENDING')) throw new RotationStateError(`Version ${token} is not pending rotation`);

  switch (step) {
    case 'createSecret':
      return createSecret(secretId, token, state);
    case 'setSecret':
      return setSecret(secretId, token);
    case 'testSecret':
      return testSecret(secretId, token);
    case 'finishSecret':
      return finishSecret(secretId, token, state);
    default:
      throw new RotationStateError(`Unknown rotation step ${String(step)}`);
  }
};

async function createSecret(secretId: string, token: string, state: SecretVersions): Promise<void> {
  if ((await readKeyVersion(secretId, { versionId: token, stage: 'AWSPENDING' })).key) {
    logger.info('The pending signing key exists already', { versionId: token });
    return;
  }
  const current = await readKeyVersion(secretId, { stage: 'AWSCURRENT' });
  const notBefore = await tooSoonUntil(current, state);
  if (notBefore) {
    logger.warn('Refused a signing key rotation: the previous key may still have valid tokens', { notBefore: notBefore.toISOString() });
    await cancelPending(secretId, token);
    throw new RotationTooSoonError(notBefore);
  }
  const key = await generateSigningKey();
  try {
    await putKey(secretId, key, { token, stages: ['AWSPENDING'] });
  } catch (error) {
    // A concurrent retry of this step stored its own key under the token first: that one stands.
    if (error instanceof ResourceExistsException) return;
    throw error;
  }
  logger.info('Created the pending signing key', { kid: key.kid, versionId: token });
}

/**
 * The new set drops the key before the current one. Its tokens must all have expired: a rotation is too
 * soon while the current key has been current for less than the minimum interval (and there is such a key
 * to drop). Returns when it may run, or undefined when it may run now.
 */
async function tooSoonUntil(current: { key?: StoredSigningKey; createdDate?: Date }, state: SecretVersions): Promise<Date | undefined> {
  if (!current.key) return undefined;
  const published = await readPublicKeys(config.jwtPublicKeysSecretId());
  const dropsAKey = published?.keys.some((key) => key.kid !== current.key?.kid) ?? false;
  if (!dropsAKey) return undefined;
  const times = [state.lastRotatedDate, current.createdDate].filter((date): date is Date => date !== undefined);
  if (times.length === 0) return undefined;
  const notBefore = earliestNextRotation(new Date(Math.max(...times.map((date) => date.getTime()))));
  return Date.now() < notBefore.getTime() ? notBefore : undefined;
}

async function setSecret(secretId: string, token: string): Promise<void> {
  const pending = await pendingKey(secretId, token);
  const current = (await readKeyVersion(secretId, { stage: 'AWSCURRENT' })).key;
  const set = publicKeySetFor(pending, current);
  // The rotation token as the version id: a retry publishes the same set under it, a no-op.
  await publishPublicKeys(config.jwtPublicKeysSecretId(), set, token);
  logger.info('Published the public signing keys', { kids: set.keys.map((key) => key.kid) });
}

async function testSecret(secretId: string, token: string): Promise<void> {
  const pending = await pendingKey(secretId, token);
  const current = (await readKeyVersion(secretId, { stage: 'AWSCURRENT' })).key;
  const published = await readPublicKeys(config.jwtPublicKeysSecretId());
  const kids = new Set(published?.keys.map((key) => key.kid));
  if (!published || !kids.has(pending.kid) || (current && !kids.has(current.kid))) {
    throw new RotationStateError('The published public keys do not hold both the pending and the current key');
  }
  // Exactly what the authorizer will do with a token signed by the new key.
  const privateKey = (await importJWK(pending.privateJwk, 'ES256')) as CryptoKey;
  const probe = await signAccessToken('signing-key-rotation-test', { kid: pending.kid, privateKey }, 60);
  await verifyAccessToken(probe, keyResolver(published));
  logger.info('The pending signing key verifies against the published keys', { kid: pending.kid });
}

async function finishSecret(secretId: string, token: string, state: SecretVersions): Promise<void> {
  const currentVersionId = versionWithStage(state, 'AWSCURRENT');
  await makeCurrent(secretId, token, currentVersionId);
  logger.info('The pending signing key is now current', { versionId: token, previousVersionId: currentVersionId });
}

async function pendingKey(secretId: string, token: string): Promise<StoredSigningKey> {
  const { key } = await readKeyVersion(secretId, { versionId: token, stage: 'AWSPENDING' });
  if (!key) throw new RotationStateError(`The pending version ${token} holds no signing key (createSecret has not run)`);
  return key;
}
