import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque bearer secrets (refresh tokens, verification and password-reset links): 32 random bytes,
 * base64url. Only their SHA-256 is stored, so a table leak signs in, verifies or resets nobody.
 */
export function newOneTimeToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A page of the frontend that reads the token from its query and posts it to the API. */
export function frontendLink(frontendOrigin: string, page: 'verify-email' | 'reset-password', token: string): string {
  return `${frontendOrigin.replace(/\/+$/, '')}/${page}?token=${encodeURIComponent(token)}`;
}
