import { NotFoundError } from '../core/errors';
import {
  getConversation,
  listConversations,
  markConversationRead,
  setConversationStatus,
  updateConversationDetails,
  type ConversationFilter,
} from '../repositories/conversations';
import { listMessages } from '../repositories/messages';
import { decodeCursor, encodeCursor } from './cursors';
import { CHANNELS, conversationIdFor, type Conversation, type ConversationStatus, type Message } from './model';

/** Cursor parts are our own keys: ISO times, ids and `#`; nothing else can be one. */
const KEY_PART = /^[A-Za-z0-9_#:.+-]{1,200}$/;

export interface ConversationListPage {
  readonly items: Conversation[];
  readonly nextCursor?: string;
}

/** The inbox: the caller's conversations by last activity, filtered, a page at a time. */
export async function conversationPage(customerId: string, filter: ConversationFilter, cursor?: string): Promise<ConversationListPage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, 2, KEY_PART);
  const page = await listConversations(customerId, filter, after ? { activityKey: after[0]!, conversationId: after[1]! } : undefined);
  return page.next ? { items: page.items, nextCursor: encodeCursor([page.next.activityKey, page.next.conversationId]) } : { items: page.items };
}

/**
 * Search by contact: the conversation id is a hash of customer, channel and contact, so an exact number is
 * one GetItem per channel, in the caller's own partitions only (another customer's contact cannot show).
 * Most recent activity first, in one page.
 */
export async function conversationsWithContact(customerId: string, contact: string, filter: ConversationFilter): Promise<ConversationListPage> {
  const channels = filter.channel ? [filter.channel] : CHANNELS;
  const found = await Promise.all(channels.map((channel) => getConversation(customerId, conversationIdFor(customerId, channel, contact))));
  const items = found
    .filter((conversation): conversation is Conversation => conversation !== undefined && (filter.status === undefined || conversation.status === filter.status))
    .sort((x, y) => y.lastMessageAt.localeCompare(x.lastMessageAt) || x.conversationId.localeCompare(y.conversationId));
  return { items };
}

export interface MessageListPage {
  readonly items: Message[];
  readonly nextCursor?: string;
}

/** One page of a conversation's messages, newest first; reading it marks the conversation read. */
export async function messagePage(customerId: string, conversationId: string, cursor?: string): Promise<MessageListPage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, 1, KEY_PART);
  if (!(await getConversation(customerId, conversationId))) throw new NotFoundError('conversation');
  const page = await listMessages(customerId, conversationId, after ? { sk: after[0]! } : undefined);
  await markConversationRead(customerId, conversationId);
  return page.next ? { items: page.items, nextCursor: encodeCursor([page.next.sk]) } : { items: page.items };
}

/** Resolve or reopen: the same answer when it already was (a repeated click changes nothing). */
export async function changeStatus(customerId: string, conversationId: string, status: ConversationStatus): Promise<Conversation> {
  const conversation = await setConversationStatus(customerId, conversationId, status);
  if (!conversation) throw new NotFoundError('conversation');
  return conversation;
}

export async function updateDetails(customerId: string, conversationId: string, changes: { assignee?: string | null; labels?: string[] }): Promise<Conversation> {
  const conversation = await updateConversationDetails(customerId, conversationId, changes);
  if (!conversation) throw new NotFoundError('conversation');
  return conversation;
}
