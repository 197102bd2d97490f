import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generateSigningKey, parsePublicKeySet, parseStoredSigningKey, publicKeySetFor } from '../lambdas/core/signing-keys';
import type { SecretStore } from './edge/secrets-manager';
import { JWT_PUBLIC_KEYS_SECRET_ID, SIGNING_KEY_SECRET_ID } from './local-env';

/** Where the local stack kept its one key before rotation existed; imported once, then left alone. */
export const LEGACY_SIGNING_KEY_FILE = 'signing-key.json';

/**
 * What the deploy-time custom resource does in AWS (lambdas/infra/create-signing-key.ts), on the local
 * Secrets Manager: keep the current key (the store is kept on disk, so tokens survive a restart), make one on
 * first start, and make sure the authorizer's public keys include it. Later keys come from rotation.
 */
export async function ensureLocalSigningKey(store: SecretStore, dataDir: string): Promise<void> {
  let key = parseStoredSigningKey(store.current(SIGNING_KEY_SECRET_ID));
  if (!key) {
    const legacyFile = path.join(dataDir, LEGACY_SIGNING_KEY_FILE);
    key = (existsSync(legacyFile) ? parseStoredSigningKey(readFileSync(legacyFile, 'utf8')) : undefined) ?? (await generateSigningKey());
    store.put(SIGNING_KEY_SECRET_ID, JSON.stringify(key));
  }
  const published = parsePublicKeySet(store.current(JWT_PUBLIC_KEYS_SECRET_ID));
  if (!published?.keys.some((trusted) => trusted.kid === key.kid)) {
    store.put(JWT_PUBLIC_KEYS_SECRET_ID, JSON.stringify(publicKeySetFor(key, undefined)));
  }
}
