import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from './tokens';

/**
 * The key lifecycle of access tokens. The private key lives in one secret (its AWSCURRENT version signs);
 * the public keys the authorizer trusts live in another, as a JWKS of at most two keys: the current one
 * and the one it replaced. A rotation publishes the new public key before the new private key becomes
 * current, so no authorizer ever sees a token whose key it cannot find.
 */

/** The private key secret's JSON. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** The public keys secret's JSON: a standard JWKS, newest key first. */
export interface PublicKeySet {
  readonly keys: readonly JWK[];
}

/** The authorizer trusts the current key and the previous one, and nothing else. */
export const MAX_PUBLISHED_KEYS = 2;

/**
 * A signer re-reads the private key at most this often (lambdas/clients/signing-key.ts), so for this long
 * after a rotation some tokens are still signed with the key that just became the previous one.
 */
export const MAX_SIGNING_KEY_CACHE_SECONDS = 300;

/**
 * The shortest time between two rotations. A rotation drops the key before the previous one from the set;
 * every token it signed must have expired by then: a signer may use it for up to the cache age after the
 * rotation that retired it, and its last token lives for the access token TTL. Ten minutes of margin.
 */
export const MIN_ROTATION_INTERVAL_SECONDS = MAX_SIGNING_KEY_CACHE_SECONDS + MAX_ACCESS_TOKEN_TTL_SECONDS + 600;

export async function generateSigningKey(): Promise<StoredSigningKey> {
  const kid = randomUUID();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const header = { kid, alg: 'ES256', use: 'sig' };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...header },
    publicJwk: { ...(await exportJWK(publicKey)), ...header },
  };
}

/** The stored key, or undefined when the text is not one (the secret's generated placeholder, say). */
export function parseStoredSigningKey(text: string | undefined): StoredSigningKey | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<StoredSigningKey>;
    const valid =
      typeof parsed.kid === 'string' &&
      parsed.kid.length > 0 &&
      typeof parsed.privateJwk?.d === 'string' &&
      typeof parsed.publicJwk?.x === 'string' &&
      parsed.publicJwk.d === undefined &&
      parsed.publicJwk.kid === parsed.kid;
    return valid ? (parsed as StoredSigningKey) : undefined;
  } catch {
    return undefined;
  }
}

/** The set, or undefined when the text is not a JWKS of public keys with a kid each. */
export function parsePublicKeySet(text: string | undefined): PublicKeySet | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<PublicKeySet>;
    if (!Array.isArray(parsed.keys)) return undefined;
    const valid = parsed.keys.every((key) => typeof key?.kid === 'string' && typeof key.x === 'string' && key.d === undefined);
    return valid ? { keys: parsed.keys } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the authorizer should trust once `incoming` is current: it and the key it replaces (if that is a
 * key at all, and another one). Only public halves go in: a stray `d` would publish a private key.
 */
export function publicKeySetFor(incoming: StoredSigningKey, outgoing: StoredSigningKey | undefined): PublicKeySet {
  const keys = [incoming, outgoing]
    .filter((key): key is StoredSigningKey => key !== undefined)
    .filter((key, index, all) => all.findIndex((other) => other.kid === key.kid) === index)
    .map((key) => publicOnly(key.publicJwk));
  return { keys: keys.slice(0, MAX_PUBLISHED_KEYS) };
}

function publicOnly(jwk: JWK): JWK {
  const { kty, crv, x, y, kid, alg, use } = jwk;
  return { kty, crv, x, y, kid, alg, use };
}

/**
 * When the next rotation may start, given when the current key became current; a rotation before that
 * would drop a key whose tokens may still be valid.
 */
export function earliestNextRotation(currentSince: Date): Date {
  return new Date(currentSince.getTime() + MIN_ROTATION_INTERVAL_SECONDS * 1000);
}

/** A rotation that would drop a key whose tokens may still be valid; it can run from `notBefore`. */
export class RotationTooSoonError extends Error {
  override readonly name = 'RotationTooSoonError';
  constructor(readonly notBefore: Date) {
    super(`The previous signing key may still have valid tokens; the next rotation can start at ${notBefore.toISOString()}`);
  }
}

/** The secret is not in the state the rotation step expects (not rotating, or the version is unknown). */
export class RotationStateError extends Error {
  override readonly name = 'RotationStateError';
}
