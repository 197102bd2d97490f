import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { config } from '../config';
import type { SigningKey } from '../core/tokens';

/** The secret's JSON, as the deploy-time custom resource (or the local stack) writes it. */
interface SigningKeySecret {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** Re-read the secret at most every five minutes, so a rotated key is picked up without a redeploy. */
const SECRET_MAX_AGE_SECONDS = 300;
const imported = new Map<string, Promise<CryptoKey>>();

/** The current private signing key, from Secrets Manager through Powertools' cached parameters client. */
export async function getSigningKey(): Promise<SigningKey> {
  const secret = await getSecret<SigningKeySecret>(config.signingKeySecretId(), {
    transform: 'json',
    maxAge: SECRET_MAX_AGE_SECONDS,
  });
  if (!secret?.kid || !secret.privateJwk) throw new Error('The signing key secret is malformed');
  let key = imported.get(secret.kid);
  if (!key) {
    key = importJWK(secret.privateJwk, 'ES256') as Promise<CryptoKey>;
    imported.set(secret.kid, key);
  }
  return { kid: secret.kid, privateKey: await key };
}
