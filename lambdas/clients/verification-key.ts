import { decodeProtectedHeader, type JWTVerifyGetKey } from 'jose';
import { config } from '../config';
import { parsePublicKeySet, type PublicKeySet } from '../core/signing-keys';
import { keyResolver } from '../core/tokens';
import { secrets } from './secrets';

/**
 * The public keys that verify access tokens (current and previous), from their own secret: the authorizer
 * can read it and nothing else, never the private key. Cached briefly; a token whose `kid` the cached set
 * lacks (the key just rotated) forces one re-read, shared by every request waiting on it and at most one
 * per REFRESH_COOLDOWN_MS, so tokens with made-up kids cannot hammer Secrets Manager.
 */
const KEY_SET_MAX_AGE_SECONDS = 60;
const REFRESH_COOLDOWN_MS = 5_000;

interface LoadedKeySet {
  readonly kids: ReadonlySet<string>;
  readonly resolve: JWTVerifyGetKey;
}

// Importing keys costs a little: the resolver is rebuilt only when the secret's text changes.
let last: { readonly text: string; readonly loaded: LoadedKeySet } | undefined;
let refreshing: Promise<LoadedKeySet> | undefined;
let lastRefreshAt = 0;

/** The key resolver for this token: the cached set, or a fresh one when the token's kid is not in it. */
export async function getVerificationKeys(token: string): Promise<JWTVerifyGetKey> {
  const kid = kidOf(token);
  const cached = await load(false);
  if (kid === undefined || cached.kids.has(kid)) return cached.resolve;
  if (!refreshing && Date.now() - lastRefreshAt >= REFRESH_COOLDOWN_MS) {
    lastRefreshAt = Date.now();
    refreshing = load(true).finally(() => {
      refreshing = undefined;
    });
  }
  // Either the re-read in flight, or whatever the cache holds now (a re-read may have just finished).
  return (refreshing ? await refreshing : await load(false)).resolve;
}

async function load(forceFetch: boolean): Promise<LoadedKeySet> {
  const raw = await secrets.get(config.jwtPublicKeysSecretId(), { maxAge: KEY_SET_MAX_AGE_SECONDS, forceFetch });
  const text = typeof raw === 'string' ? raw : undefined;
  if (text !== undefined && last?.text === text) return last.loaded;
  const set: PublicKeySet | undefined = parsePublicKeySet(text);
  if (!text || !set || set.keys.length === 0) throw new Error('The public signing keys secret holds no key set');
  const loaded = { kids: new Set(set.keys.map((key) => key.kid as string)), resolve: keyResolver(set) };
  last = { text, loaded };
  return loaded;
}

function kidOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
