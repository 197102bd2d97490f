import { randomUUID } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { logger, tracer, traceHandler } from '../observability';

/**
 * onEvent handler of the SigningKey custom resource (CDK Provider framework): generates the ES256 JWT
 * signing key inside AWS at deploy time and writes it to its secret, so the private key never exists
 * anywhere else. Returns the public JWK for the authorizer's environment.
 */
const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));

interface SigningKeyProperties {
  readonly ServiceToken: string;
  /** ARN of the secret to fill. */
  readonly SecretId: string;
}

/** What the Provider framework hands back to CloudFormation; `Data` becomes `Fn::GetAtt` attributes. */
interface ProviderResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly publicJwk: string };
}

interface StoredSigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export function handler(event: CloudFormationCustomResourceEvent<SigningKeyProperties>): Promise<ProviderResponse> {
  return traceHandler('create-signing-key', {}, () => onEvent(event));
}

async function onEvent(event: CloudFormationCustomResourceEvent<SigningKeyProperties>): Promise<ProviderResponse> {
  const secretId = event.ResourceProperties.SecretId;
  if (!secretId) throw new Error('SecretId property is required');

  switch (event.RequestType) {
    case 'Create':
      return created(await writeNewKey(secretId));
    case 'Update': {
      // Keep the existing key: replacing it would log every customer out. Only a secret that has never been
      // filled (or was replaced by a new secret) gets a fresh key.
      const existing = await readKey(secretId);
      if (existing) {
        logger.info('Keeping the existing signing key', { kid: existing.kid });
        return created(existing);
      }
      return created(await writeNewKey(secretId));
    }
    case 'Delete':
      // The secret is deleted by CloudFormation with the stack; nothing of ours to undo.
      return { PhysicalResourceId: event.PhysicalResourceId };
  }
}

function created(key: StoredSigningKey): ProviderResponse {
  return { PhysicalResourceId: key.kid, Data: { publicJwk: JSON.stringify(key.publicJwk) } };
}

async function writeNewKey(secretId: string): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const header = { kid, alg: 'ES256', use: 'sig' };
  const key: StoredSigningKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...header },
    publicJwk: { ...(await exportJWK(publicKey)), ...header },
  };
  await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(key) }));
  logger.info('Generated a new signing key', { kid });
  return key;
}

/** The stored key, or undefined when the secret holds no key of ours (still the placeholder, or gone). */
async function readKey(secretId: string): Promise<StoredSigningKey | undefined> {
  let secretString: string | undefined;
  try {
    secretString = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  if (!secretString) return undefined;
  try {
    const parsed = JSON.parse(secretString) as Partial<StoredSigningKey>;
    if (typeof parsed.kid === 'string' && parsed.privateJwk?.d && parsed.publicJwk?.x && !parsed.publicJwk.d) {
      return parsed as StoredSigningKey;
    }
  } catch {
    // Not JSON: the generated placeholder the secret was created with.
  }
  return undefined;
}
