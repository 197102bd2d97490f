import type { JWTVerifyGetKey } from 'jose';
import { verifyAccessTokenClaims } from '../core/tokens';

/**
 * Access tokens this authorizer container has verified, until they expire. A client polls the status page
 * with the same token for up to 15 minutes; its ES256 signature is checked once, not on every request.
 * Nothing is refused later than without the cache: an entry holds only until the token's `exp`, and only
 * for the key set it was verified with (a rotation that drops its key makes it a miss). Refusals are never
 * cached, so forged tokens cannot fill it; it holds at most MAX_TOKENS, the oldest going first.
 */
const MAX_TOKENS = 1_000;

interface Verified {
  readonly customerId: string;
  readonly expiresAtMs: number;
  readonly keys: JWTVerifyGetKey;
}

const verified = new Map<string, Verified>();

/** The customer id the token speaks for; throws (any jose error) when it is forged or expired. */
export async function verifiedCustomerId(token: string, keys: JWTVerifyGetKey): Promise<string> {
  const now = Date.now();
  const known = verified.get(token);
  if (known && known.keys === keys && now < known.expiresAtMs) return known.customerId;
  verified.delete(token);
  const { customerId, expiresAtMs } = await verifyAccessTokenClaims(token, keys, new Date(now));
  if (verified.size >= MAX_TOKENS) verified.delete(verified.keys().next().value as string);
  verified.set(token, { customerId, expiresAtMs, keys });
  return customerId;
}
