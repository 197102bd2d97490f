import type { LiveIdentity } from './live-tokens';

/** The authorizer's context as API Gateway hands it to `$connect`, `$disconnect` and `$default`. */
export function identityFromAuthorizer(authorizer: unknown): LiveIdentity | undefined {
  if (typeof authorizer !== 'object' || authorizer === null) return undefined;
  const context = authorizer as Record<string, unknown>;
  const customerId = context.customerId;
  if (typeof customerId !== 'string' || customerId.length === 0) return undefined;
  if (context.kind === 'staff') return { kind: 'staff', customerId };
  if (context.kind === 'visitor' && typeof context.visitorId === 'string' && typeof context.conversationId === 'string') {
    return { kind: 'visitor', customerId, visitorId: context.visitorId, conversationId: context.conversationId };
  }
  return undefined;
}
