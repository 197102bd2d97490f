import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { importJWK, type CryptoKey } from 'jose';
import { generateSigningKey, publicKeySetFor, type StoredSigningKey } from '../../../lambdas/core/signing-keys';

/**
 * Real ES256 key pairs served by a mocked Secrets Manager, as the deployed secrets would be: the private
 * key under SIGNING_KEY_SECRET_ID, the trusted public keys (current, and previous when given) under
 * JWT_PUBLIC_KEYS_SECRET_ID.
 */
export async function useTestSigningKey(options: { previous?: StoredSigningKey } = {}) {
  const current = await generateSigningKey();
  const secrets = mockClient(SecretsManagerClient);
  serveKeys(secrets, current, options.previous);
  const privateKey = (await importJWK(current.privateJwk, 'ES256')) as CryptoKey;
  return { kid: current.kid, privateKey, current, secrets };
}

/** Points the mocked secrets at these keys (a rotation, as far as readers can tell). */
export function serveKeys(secrets: AwsClientStub<SecretsManagerClient>, current: StoredSigningKey, previous?: StoredSigningKey) {
  secrets
    .on(GetSecretValueCommand, { SecretId: process.env.SIGNING_KEY_SECRET_ID })
    .resolves({ SecretString: JSON.stringify(current) })
    .on(GetSecretValueCommand, { SecretId: process.env.JWT_PUBLIC_KEYS_SECRET_ID })
    .resolves({ SecretString: JSON.stringify(publicKeySetFor(current, previous)) });
}
