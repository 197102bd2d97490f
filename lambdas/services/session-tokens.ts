import { getSigningKey } from '../clients/signing-key';
import { config } from '../config';
import { MAX_ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from '../core/tokens';
import type { NewSession } from '../repositories/sessions';

export interface SessionTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

/** The token pair a client receives after signup, login or refresh. */
export async function issueTokens(customerId: string, session: NewSession, now = new Date()): Promise<SessionTokens> {
  const expiresIn = Math.min(config.accessTokenTtlSeconds(), MAX_ACCESS_TOKEN_TTL_SECONDS);
  const accessToken = await signAccessToken(customerId, await getSigningKey(), expiresIn, now);
  return { accessToken, refreshToken: session.refreshToken, tokenType: 'Bearer', expiresIn };
}
