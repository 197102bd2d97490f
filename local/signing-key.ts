import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** The JWT signing key in the shape the Secrets Manager secret holds (see lambdas/config.ts). */
export interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export const SIGNING_KEY_FILE = 'signing-key.json';

/**
 * Loads the local signing key from the data dir, creating it on first start. Keeping it on disk means
 * access and refresh tokens issued before a restart still verify after it.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  if (existsSync(file)) return parseSigningKey(readFileSync(file, 'utf8'), file);
  const key = await generateSigningKey();
  // 0600: it is a private key, even if only a local one.
  writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  return key;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const common = { kid, alg: 'ES256', use: 'sig' };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...common },
    publicJwk: { ...(await exportJWK(publicKey)), ...common },
  };
}

function parseSigningKey(text: string, file: string): SigningKey {
  const parsed = JSON.parse(text) as Partial<SigningKey>;
  if (typeof parsed.kid !== 'string' || !parsed.privateJwk?.d || !parsed.publicJwk?.x) {
    throw new Error(`${file} is not a signing key; delete it to have a new one generated`);
  }
  return parsed as SigningKey;
}
