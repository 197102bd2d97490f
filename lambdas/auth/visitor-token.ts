import { SignJWT, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TOKEN_ISSUER, type SigningKey } from '../core/tokens';

/**
 * Widget visitor tokens (MSG-BRIEF "Visitor token"): ES256 JWTs signed with the access tokens' signing key,
 * `aud: stackpro-widget` so they can never pass as an access token (and an access token never as one),
 * `sub` the visitor id, `cid` the customer, `conv` the visitor's one conversation, 30 days. The widget routes
 * and the WebSocket's `$connect` verify them with the public keys alone.
 */
export const VISITOR_TOKEN_AUDIENCE = 'stackpro-widget';
export const VISITOR_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const VISITOR_TOKEN_TYPE = 'visitor+jwt';

export interface VisitorClaims {
  readonly visitorId: string;
  readonly customerId: string;
  readonly conversationId: string;
}

export interface VerifiedVisitor extends VisitorClaims {
  /** `exp`, in ms. */
  readonly expiresAtMs: number;
}

/** Ids we issue: letters, digits, `_` and `-` (a claim outside this is a forged token, never a key part). */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

export async function signVisitorToken(claims: VisitorClaims, key: SigningKey, now = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ cid: claims.customerId, conv: claims.conversationId })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: VISITOR_TOKEN_TYPE })
    .setSubject(claims.visitorId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(VISITOR_TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + VISITOR_TOKEN_TTL_SECONDS)
    .sign(key.privateKey);
}

/** The visitor a token speaks for; throws (a jose error, or Error) when it is forged, expired or not a visitor token. */
export async function verifyVisitorToken(token: string, keys: JWTVerifyGetKey, now = new Date()): Promise<VerifiedVisitor> {
  const { payload } = await jwtVerify<JWTPayload & { cid?: unknown; conv?: unknown }>(token, keys, {
    issuer: TOKEN_ISSUER,
    audience: VISITOR_TOKEN_AUDIENCE,
    algorithms: ['ES256'],
    typ: VISITOR_TOKEN_TYPE,
    currentDate: now,
    requiredClaims: ['sub', 'exp', 'iat', 'cid', 'conv'],
  });
  const { sub, cid, conv } = payload;
  if (typeof sub !== 'string' || typeof cid !== 'string' || typeof conv !== 'string' || ![sub, cid, conv].every((id) => ID.test(id))) {
    throw new Error('visitor token claims are malformed');
  }
  return { visitorId: sub, customerId: cid, conversationId: conv, expiresAtMs: (payload.exp as number) * 1000 };
}
