import { createHash, randomBytes } from 'node:crypto';
import { signVisitorToken, verifyVisitorToken, VISITOR_TOKEN_TTL_SECONDS, type VisitorClaims } from '../auth/visitor-token';
import { getSigningKey } from '../clients/signing-key';
import { getVerificationKeys } from '../clients/verification-key';
import { config } from '../config';
import { PLANS } from '../core/plans';
import { NotFoundError, VisitorTokenInvalidError, WidgetOriginNotAllowedError, WidgetRateLimitedError, WidgetUnavailableError } from '../core/errors';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { findInbound, listMessages, recordInbound } from '../repositories/messages';
import { customerOfAddress } from '../repositories/messaging-channels';
import { reserveVisitorCreation, reserveVisitorMessage } from '../repositories/widget-rates';
import { getWidgetSettings } from '../repositories/widget-settings';
import { decodeCursor, encodeCursor } from './cursors';
import { conversationIdFor, type Message } from './model';
import { originAllowed } from './widget-origins';
import { WIDGET_LIMITS } from './widget-limits';

/** Accounts in these states take no chat: like inbound SMS and WhatsApp (receive-provider-event.ts). */
const CHAT_REFUSED: ReadonlySet<string> = new Set(['suspending', 'suspended', 'cancelled']);

/** The widget keys we issue (allocate-channels.ts): anything else is unknown without a read. */
const PUBLIC_KEY = /^pk_[A-Za-z0-9_-]{10,64}$/;

/** A widget whose key, origin and account have been checked: whose it is, and the caller's allowed origin. */
export interface OpenWidget {
  readonly customerId: string;
  readonly origin: string;
}

/** The customer a widget key belongs to: 404 for a key that is not ours, or no longer (released). */
export async function widgetOwner(publicKey: string | undefined): Promise<string> {
  const customerId = publicKey !== undefined && PUBLIC_KEY.test(publicKey) ? await customerOfAddress('widget', publicKey) : undefined;
  if (!customerId) throw new NotFoundError('widget');
  return customerId;
}

/**
 * Checks a visitor request in the order that reveals least: the key (404), the page's origin against the
 * business's allowlist (403; `onAllowed` then lets the page read every later answer), and the account
 * (403 WIDGET_UNAVAILABLE when it takes no chat).
 */
export async function openWidget(publicKey: string | undefined, origin: string | undefined, onAllowed: (origin: string) => void): Promise<OpenWidget> {
  const customerId = await widgetOwner(publicKey);
  const { allowedOrigins } = await getWidgetSettings(customerId);
  if (!originAllowed(origin, allowedOrigins)) throw new WidgetOriginNotAllowedError();
  onAllowed(origin);
  const customer = await getCustomer(customerId);
  if (!customer || CHAT_REFUSED.has(customer.status) || !PLANS[customer.plan].messaging) throw new WidgetUnavailableError();
  return { customerId, origin };
}

/** The bearer token of an `Authorization` header, if it has the shape of one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization?.trim() ?? '')?.[1];
}

/**
 * The visitor a token speaks for, on this customer's widget only: a forged or expired token, or one another
 * customer's widget issued, answers 401 VISITOR_TOKEN_INVALID before anything of the visitor is read.
 */
export async function visitorOf(customerId: string, token: string | undefined): Promise<VisitorClaims> {
  if (!token) throw new VisitorTokenInvalidError();
  const keys = await getVerificationKeys(token);
  let visitor: VisitorClaims;
  try {
    visitor = await verifyVisitorToken(token, keys);
  } catch (error) {
    logger.info('Visitor token refused', { reason: (error as Error).name });
    throw new VisitorTokenInvalidError();
  }
  if (visitor.customerId !== customerId || visitor.conversationId !== conversationIdFor(customerId, 'chat', visitor.visitorId)) {
    logger.warn('Visitor token of another widget', { customerId });
    throw new VisitorTokenInvalidError();
  }
  return visitor;
}

export interface VisitorSession {
  readonly visitorId: string;
  readonly conversationId: string;
  readonly visitorToken: string;
  readonly expiresAt: string;
  /** Where the widget connects with `?visitorToken=` for live replies; absent until the WebSocket API is deployed. */
  readonly websocketUrl?: string;
}

/**
 * A visitor's session: a returning visitor (its token) keeps its id and conversation with a fresh 30-day token;
 * a new one gets a random id, counted against the key's creation budget (429 past it).
 */
export async function startVisitor(customerId: string, presented: string | undefined, now = new Date()): Promise<{ session: VisitorSession; returning: boolean }> {
  let claims: VisitorClaims;
  const returning = presented !== undefined;
  if (presented !== undefined) {
    claims = await visitorOf(customerId, presented);
  } else {
    const reservation = await reserveVisitorCreation(customerId, WIDGET_LIMITS.visitorCreations, now.getTime());
    if (!reservation.allowed) throw new WidgetRateLimitedError(reservation.retryAfterMs);
    const visitorId = `vis_${randomBytes(16).toString('base64url')}`;
    claims = { visitorId, customerId, conversationId: conversationIdFor(customerId, 'chat', visitorId) };
  }
  const visitorToken = await signVisitorToken(claims, await getSigningKey(), now);
  const websocketUrl = config.messagingWebsocketUrl();
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + VISITOR_TOKEN_TTL_SECONDS * 1000).toISOString();
  return {
    session: { visitorId: claims.visitorId, conversationId: claims.conversationId, visitorToken, expiresAt, ...(websocketUrl ? { websocketUrl } : {}) },
    returning,
  };
}

/** What a visitor sees of a message: never who on the staff wrote it. */
export type VisitorMessage = Omit<Message, 'author'>;

function forVisitor({ messageId, direction, text, sentAt, status }: Message): VisitorMessage {
  return { messageId, direction, text, sentAt, status };
}

/**
 * A visitor's message, recorded once per `clientMessageId` (the widget's own id, so a retried or doubled
 * send answers the first message): its conversation is created or reopened, and staff see it unread. A
 * repeat that finds the first recorded costs no rate; concurrent twins are counted but record one message.
 */
export async function postVisitorMessage(visitor: VisitorClaims, text: string, clientMessageId: string | undefined, now = new Date()): Promise<VisitorMessage> {
  const { customerId, visitorId, conversationId } = visitor;
  const dedupeId = clientMessageId === undefined ? undefined : `${visitorId}:${clientMessageId}`;
  if (dedupeId) {
    const earlier = await findInbound(customerId, 'chat', dedupeId);
    if (earlier) return forVisitor(earlier);
  }
  const reservation = await reserveVisitorMessage(customerId, visitorId, WIDGET_LIMITS.visitorMessages, now.getTime());
  if (!reservation.allowed) throw new WidgetRateLimitedError(reservation.retryAfterMs);
  const providerMessageId = dedupeId ?? `${visitorId}:${randomBytes(12).toString('base64url')}`;
  const messageId = 'msg_' + createHash('sha256').update(`${customerId}\n${conversationId}\n${providerMessageId}`).digest('base64url').slice(0, 32);
  const sentAt = now.toISOString();
  const outcome = await recordInbound(customerId, { channel: 'chat', contact: visitorId, providerMessageId, text, sentAt, conversationId, messageId });
  logger.info('Widget message', { customerId, conversationId, outcome });
  if (outcome === 'duplicate') {
    const first = await findInbound(customerId, 'chat', providerMessageId);
    if (first) return forVisitor(first);
  }
  return { messageId, direction: 'in', text, sentAt, status: 'received' };
}

const CURSOR_PART = /^[A-Za-z0-9_#:.+-]{1,200}$/;

export interface VisitorMessagePage {
  readonly items: VisitorMessage[];
  readonly nextCursor?: string;
}

/** The visitor's own conversation, newest first; it never marks anything read (that is the staff's count). */
export async function visitorHistory(visitor: VisitorClaims, cursor?: string): Promise<VisitorMessagePage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, 1, CURSOR_PART);
  const page = await listMessages(visitor.customerId, visitor.conversationId, after ? { sk: after[0]! } : undefined);
  const items = page.items.map(forVisitor);
  return page.next ? { items, nextCursor: encodeCursor([page.next.sk]) } : { items };
}
