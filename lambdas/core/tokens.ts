import { randomUUID } from 'node:crypto';
import { hashOneTimeToken, newOneTimeToken } from './one-time-tokens';
import { SignJWT, createLocalJWKSet, errors, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { PublicKeySet } from './signing-keys';

/**
 * Access tokens: short-lived ES256 JWTs that the API's authorizer verifies with the public key alone.
 * Refresh tokens: opaque random strings; only their SHA-256 is stored, so a table leak yields nothing usable.
 */
export const TOKEN_ISSUER = 'stackpro';
export const TOKEN_AUDIENCE = 'stackpro-api';
/** An access token never lives longer than this, whatever the configuration says. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 900;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

export async function signAccessToken(
  customerId: string,
  key: SigningKey,
  ttlSeconds: number,
  now = new Date(),
): Promise<string> {
  const ttl = Math.min(ttlSeconds, MAX_ACCESS_TOKEN_TTL_SECONDS);
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .setSubject(customerId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttl)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/**
 * Picks the verification key by the token's `kid` from the trusted set. A token without a `kid`, or with
 * one the set does not hold, is refused: with two keys trusted, guessing which one is never right.
 */
export function keyResolver(set: PublicKeySet): JWTVerifyGetKey {
  const jwks = createLocalJWKSet({ keys: [...set.keys] });
  return (header, token) => {
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw new errors.JWKSNoMatchingKey('the token names no key (kid)');
    return jwks(header, token);
  };
}

/** What a verified access token says: whose it is, and the moment it expires (`exp`, in ms). */
export interface VerifiedAccessToken {
  readonly customerId: string;
  readonly expiresAtMs: number;
}

/** The customer id an access token speaks for; throws (any jose error) when it is forged or expired. */
export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey, now = new Date()): Promise<string> {
  return (await verifyAccessTokenClaims(token, keys, now)).customerId;
}

/**
 * Like verifyAccessToken, with the expiry. A token that verified stays valid until then: the claims checked
 * against the clock are `exp` (jose refuses `exp <= now`) and `nbf`, which is already past.
 */
export async function verifyAccessTokenClaims(token: string, keys: JWTVerifyGetKey, now = new Date()): Promise<VerifiedAccessToken> {
  const { payload } = await jwtVerify<JWTPayload>(token, keys, {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: ['ES256'],
    typ: 'at+jwt',
    currentDate: now,
    requiredClaims: ['sub', 'exp', 'iat'],
  });
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no subject');
  return { customerId: payload.sub, expiresAtMs: (payload.exp as number) * 1000 };
}

export const newRefreshToken = newOneTimeToken;
export const hashRefreshToken = hashOneTimeToken;
