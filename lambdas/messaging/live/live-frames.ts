import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { toConversation } from '../../repositories/conversations';
import { toMessage } from '../../repositories/messages';
import type { Conversation, Message, MessageStatus } from '../model';

/**
 * The frames a WebSocket client receives (README "Messaging", live updates). Every frame names its
 * conversation; message frames carry the messageId, so a client drops a frame it has already applied
 * (delivery is at least once: a retried stream batch posts its frames again).
 */
export type LiveFrame =
  | { readonly type: 'message.created'; readonly conversationId: string; readonly message: Message }
  | { readonly type: 'message.status'; readonly conversationId: string; readonly messageId: string; readonly status: MessageStatus }
  | { readonly type: 'conversation.updated'; readonly conversationId: string; readonly conversation: Conversation };

/** A frame and whose it is, taken from the item's own key (never from its attributes). */
export interface RoutedFrame {
  readonly customerId: string;
  readonly conversationId: string;
  readonly frame: LiveFrame;
}

const CONVERSATION_PARTITION = /^CUSTOMER#([^#]+)#CONV#([^#]+)$/;

/**
 * The frame a stream record makes, if any: a new message is `message.created`, a changed one (a status moved
 * on: sending, sent, delivered, read, failed) `message.status`, a conversation written `conversation.updated`.
 * Everything else (routing, dedupe, connection items, deletions) makes none.
 */
export function frameOf(record: DynamoDBRecord): RoutedFrame | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image || (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY')) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  const match = typeof item.pk === 'string' ? CONVERSATION_PARTITION.exec(item.pk) : null;
  if (!match) return undefined;
  const [, customerId, conversationId] = match;
  if (item.type === 'conversation' && item.sk === 'CONV') {
    return { customerId, conversationId, frame: { type: 'conversation.updated', conversationId, conversation: toConversation(item) } };
  }
  if (item.type !== 'message' || typeof item.sk !== 'string' || !item.sk.startsWith('MSG#')) return undefined;
  const message = toMessage(item);
  const frame: LiveFrame =
    record.eventName === 'INSERT'
      ? { type: 'message.created', conversationId, message }
      : { type: 'message.status', conversationId, messageId: message.messageId, status: message.status };
  return { customerId, conversationId, frame };
}

/**
 * What a widget visitor may see: only message frames of their own conversation, without who on the staff
 * wrote them; conversation frames (assignee, labels, unread counts) never.
 */
export function visitorFrame(frame: LiveFrame): LiveFrame | undefined {
  if (frame.type === 'conversation.updated') return undefined;
  if (frame.type === 'message.status') return frame;
  const { author: _author, ...message } = frame.message;
  return { ...frame, message };
}
