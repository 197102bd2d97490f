import { importJWK, type CryptoKey } from 'jose';
import { config } from '../config';
import { parseStoredSigningKey } from '../core/signing-keys';
import type { SigningKey } from '../core/tokens';
import { secrets } from './secrets';

const imported = new Map<string, Promise<CryptoKey>>();

/**
 * The current private signing key (the secret's AWSCURRENT version), through Powertools' cached parameters
 * client. It is re-read every SIGNING_KEY_CACHE_SECONDS, so a rotated key is picked up without a redeploy;
 * until then tokens are signed with the previous key, which the authorizer still trusts.
 */
export async function getSigningKey(): Promise<SigningKey> {
  const text = await secrets.get(config.signingKeySecretId(), { maxAge: config.signingKeyCacheSeconds() });
  const secret = parseStoredSigningKey(typeof text === 'string' ? text : undefined);
  if (!secret) throw new Error('The signing key secret is malformed');
  let key = imported.get(secret.kid);
  if (!key) {
    key = importJWK(secret.privateJwk, 'ES256') as Promise<CryptoKey>;
    imported.set(secret.kid, key);
  }
  return { kid: secret.kid, privateKey: await key };
}
