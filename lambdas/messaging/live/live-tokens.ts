import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { verifyAccessTokenClaims } from '../../core/tokens';

/** Who a WebSocket connection speaks for: staff of a customer (every event), or one widget visitor (one conversation). */
export type LiveIdentity =
  | { readonly kind: 'staff'; readonly customerId: string }
  | { readonly kind: 'visitor'; readonly customerId: string; readonly visitorId: string; readonly conversationId: string };

/** The widget visitor token's audience (issued by the widget's routes; see MSG-BRIEF's shared decisions). */
export const VISITOR_TOKEN_AUDIENCE = 'stackpro-widget';

/**
 * The staff access token: the same ES256 JWT, issuer, audience and expiry checks as the REST authorizer.
 * Throws (any jose error) when it is forged or expired.
 */
export async function verifyStaffToken(token: string, keys: JWTVerifyGetKey, now = new Date()): Promise<LiveIdentity> {
  const { customerId } = await verifyAccessTokenClaims(token, keys, now);
  return { kind: 'staff', customerId };
}

/**
 * A widget visitor token: ES256, signed with the same key as access tokens, `aud` stackpro-widget, `sub` the
 * visitor, `cid` the customer, `conv` the conversation, `exp` required. Written against the shared spec; the
 * widget's lambdas/auth/visitor-token.ts verifies the same claims (to be unified at merge).
 */
export async function verifyVisitorToken(token: string, keys: JWTVerifyGetKey, now = new Date()): Promise<LiveIdentity> {
  const { payload } = await jwtVerify(token, keys, {
    audience: VISITOR_TOKEN_AUDIENCE,
    algorithms: ['ES256'],
    currentDate: now,
    requiredClaims: ['sub', 'exp', 'cid', 'conv'],
  });
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined);
  const visitorId = text(payload.sub);
  const customerId = text(payload.cid);
  const conversationId = text(payload.conv);
  if (!visitorId || !customerId || !conversationId) throw new Error('visitor token claims are malformed');
  return { kind: 'visitor', customerId, visitorId, conversationId };
}
