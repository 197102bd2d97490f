import { importJWK, type CryptoKey, type JWK } from 'jose';
import { config } from '../config';

/**
 * The public key that verifies access tokens, from JWT_PUBLIC_JWK (public, so plain configuration is
 * fine). Kept apart from the signing key so the authorizer loads no Secrets Manager client at all.
 */
let publicKey: Promise<CryptoKey> | undefined;

export function getVerificationKey(): Promise<CryptoKey> {
  publicKey ??= importJWK(JSON.parse(config.jwtPublicJwk()) as JWK, 'ES256') as Promise<CryptoKey>;
  return publicKey;
}
