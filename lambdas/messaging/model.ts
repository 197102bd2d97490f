import { createHash } from 'node:crypto';

/** The channels a client can write on: SMS, WhatsApp, and live chat from the embeddable widget (`chat`). */
export const CHANNELS = ['sms', 'whatsapp', 'chat'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CONVERSATION_STATUSES = ['open', 'pending', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/**
 * An outbound message moves only forward: queued (recorded, not yet handed over) -> sending (claimed by one
 * sender) -> sent (the provider took it) -> delivered -> read, or failed. Inbound ones are `received`.
 */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** How far along a status is: a receipt that arrives late (delivered after read) never moves one back. */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
  queued: 0,
  sending: 1,
  sent: 2,
  failed: 3,
  delivered: 4,
  read: 5,
  received: 0,
};

export interface Conversation {
  readonly conversationId: string;
  readonly channel: Channel;
  /** The client's address on the channel: an E.164 phone number for SMS and WhatsApp, the visitor id for chat. */
  readonly contact: string;
  readonly status: ConversationStatus;
  readonly unreadCount: number;
  readonly lastMessageAt: string;
  /** When the contact last wrote (WhatsApp's 24-hour window counts from here). */
  readonly lastInboundAt?: string;
  readonly assignee?: string;
  readonly labels: readonly string[];
}

export interface Message {
  readonly messageId: string;
  readonly direction: 'in' | 'out';
  readonly text: string;
  /** The provider's timestamp for inbound messages; when we recorded it for outbound ones. */
  readonly sentAt: string;
  readonly status: MessageStatus;
  /** Who replied (the staff member's customer id today). */
  readonly author?: string;
}

/** A customer's channels, as provisioned with the account. */
export interface MessagingChannels {
  /** `phoneNumberId`: End User Messaging SMS's id of the number, which ReleasePhoneNumber needs (absent on numbers recorded before it was kept). */
  readonly sms?: { readonly number: string; readonly phoneNumberId?: string };
  /** `phoneNumberId`: End User Messaging Social's id of the number, which SendWhatsAppMessage sends from. */
  readonly whatsapp?: { readonly number: string; readonly phoneNumberId: string };
  readonly widget?: { readonly publicKey: string };
}

/**
 * One conversation per contact per channel, with an id derived from both: concurrent first messages from a
 * new contact land in the same conversation instead of racing to create two.
 */
export function conversationIdFor(customerId: string, channel: Channel, contact: string): string {
  return 'cv_' + createHash('sha256').update(`${customerId}\n${channel}\n${contact}`).digest('base64url').slice(0, 22);
}

/** E.164: a plus and 8 to 15 digits (WhatsApp's webhooks leave the plus out; we put it back). */
export function normalizePhoneNumber(raw: string): string | undefined {
  const digits = raw.trim().replace(/^\+/, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : undefined;
}
