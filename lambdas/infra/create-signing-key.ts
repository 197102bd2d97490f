import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { generateSigningKey, publicKeySetFor, type StoredSigningKey } from '../core/signing-keys';
import { logger, traceHandler } from '../observability';
import { publishPublicKeys, putKey, readKeyVersion, readPublicKeys } from './signing-key-secrets';

/**
 * onEvent handler of the SigningKey custom resource (CDK Provider framework): generates the first ES256 JWT
 * signing key inside AWS at deploy time, so the private key never exists anywhere else, and publishes its
 * public half to the public keys secret the authorizer reads. Later keys come from rotation
 * (rotate-signing-key.ts); a redeploy never replaces a key, which would log every customer out.
 */
interface SigningKeyProperties {
  readonly ServiceToken: string;
  /** ARN of the private key secret. */
  readonly SecretId: string;
  /** ARN of the public keys secret (a JWKS). */
  readonly PublicKeysSecretId: string;
}

/** What the Provider framework hands back to CloudFormation. */
interface ProviderResponse {
  readonly PhysicalResourceId: string;
}

export function handler(event: CloudFormationCustomResourceEvent<SigningKeyProperties>, context?: Context): Promise<ProviderResponse> {
  return traceHandler('create-signing-key', {}, () => onEvent(event), context);
}

async function onEvent(event: CloudFormationCustomResourceEvent<SigningKeyProperties>): Promise<ProviderResponse> {
  const { SecretId: secretId, PublicKeysSecretId: publicKeysSecretId } = event.ResourceProperties;
  if (!secretId) throw new Error('SecretId property is required');
  if (!publicKeysSecretId) throw new Error('PublicKeysSecretId property is required');

  switch (event.RequestType) {
    case 'Create': {
      const key = await ensureKey(secretId, publicKeysSecretId);
      return { PhysicalResourceId: key.kid };
    }
    case 'Update':
      // The physical id stays the first kid: a new one would make CloudFormation "replace" the resource.
      await ensureKey(secretId, publicKeysSecretId);
      return { PhysicalResourceId: event.PhysicalResourceId };
    case 'Delete':
      // The secrets are deleted by CloudFormation with the stack; nothing of ours to undo.
      return { PhysicalResourceId: event.PhysicalResourceId };
  }
}

/**
 * Keeps the current key when there is one (a retried Create, a redeploy, a rotated key); only a secret that
 * still holds its generated placeholder gets a new key. Either way the current key must be published.
 */
async function ensureKey(secretId: string, publicKeysSecretId: string): Promise<StoredSigningKey> {
  let key = (await readKeyVersion(secretId, { stage: 'AWSCURRENT' })).key;
  if (key) {
    logger.info('Keeping the existing signing key', { kid: key.kid });
  } else {
    key = await generateSigningKey();
    await putKey(secretId, key);
    logger.info('Generated a new signing key', { kid: key.kid });
  }
  const published = await readPublicKeys(publicKeysSecretId);
  if (!published?.keys.some((trusted) => trusted.kid === key.kid)) {
    // A stack that predates rotation, or a new public keys secret: trust the current key (alone).
    await publishPublicKeys(publicKeysSecretId, publicKeySetFor(key, undefined));
    logger.info('Published the current public signing key', { kid: key.kid });
  }
  return key;
}
