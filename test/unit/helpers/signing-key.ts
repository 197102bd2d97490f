import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { exportJWK, generateKeyPair } from 'jose';

/** A real ES256 key pair served by a mocked Secrets Manager, as the deployed secret would be. */
export async function useTestSigningKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'test-key';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  process.env.JWT_PUBLIC_JWK = JSON.stringify(publicJwk);
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ kid, privateJwk, publicJwk }) });
  return { kid, privateKey, publicKey, secrets };
}
