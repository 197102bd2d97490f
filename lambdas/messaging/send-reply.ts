import { createHash, randomUUID } from 'node:crypto';
import type { Customer } from '../core/customer';
import { ChannelsNotReadyError, MessagingSuspendedError, NotFoundError, TemplateRequiredError, ValidationError } from '../core/errors';
import { isTransient } from '../core/transient-errors';
import { logger } from '../observability';
import { getConversation } from '../repositories/conversations';
import { findOutbound, linkProviderMessage, moveOutboundStatus, recordOutbound, type StoredOutbound } from '../repositories/messages';
import { getChannels } from '../repositories/messaging-channels';
import type { Message } from './model';
import { sendOnChannel, type OutboundContent } from './provider-send';
import { approvedTemplate, insideWhatsAppWindow } from './whatsapp-templates';

/** Accounts in these states may read their inbox but not send (README "Messaging"). */
const SENDING_REFUSED: ReadonlySet<Customer['status']> = new Set(['suspending', 'suspended', 'cancelled']);

export interface ReplyRequest {
  readonly content: OutboundContent;
  /** The client's Idempotency-Key: the same key again answers the first message instead of sending twice. */
  readonly idempotencyKey?: string;
  readonly now?: Date;
}

function messageIdFor(customerId: string, conversationId: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return `msg_${randomUUID()}`;
  return 'msg_' + createHash('sha256').update(`${customerId}\n${conversationId}\n${idempotencyKey}`).digest('base64url').slice(0, 32);
}

/**
 * A staff reply on the conversation's own channel. The message is recorded `queued` first, then claimed
 * (`queued` -> `sending`) by exactly one sender, so a retried request (same Idempotency-Key) or a retried
 * Lambda never hands it to the provider twice. A provider refusal leaves it `failed`; throttling puts it
 * back to `queued` (503, retry with the same key); a send whose outcome is unknown (no answer) stays
 * `sending`: never sent twice, at the price of one that may need sending again by hand.
 */
export async function sendReply(customer: Customer, conversationId: string, request: ReplyRequest): Promise<Message> {
  if (SENDING_REFUSED.has(customer.status)) throw new MessagingSuspendedError();
  const { customerId } = customer;
  const now = request.now ?? new Date();
  const conversation = await getConversation(customerId, conversationId, { consistent: true });
  if (!conversation) throw new NotFoundError('conversation');
  const channels = await getChannels(customerId);
  const channelReady = conversation.channel === 'chat' ? channels?.widget : channels?.[conversation.channel];
  if (!channels || !channelReady) throw new ChannelsNotReadyError();

  const { content } = request;
  if ('template' in content) {
    if (conversation.channel !== 'whatsapp') throw new ValidationError([{ field: 'template', message: 'Templates are for WhatsApp conversations only.' }]);
    if (!approvedTemplate(content.template.name, content.template.language)) {
      throw new ValidationError([{ field: 'template', message: 'Not an approved template (name and language).' }]);
    }
  } else if (conversation.channel === 'whatsapp' && !insideWhatsAppWindow(conversation.lastInboundAt, now)) {
    throw new TemplateRequiredError();
  }

  const messageId = messageIdFor(customerId, conversationId, request.idempotencyKey);
  const text = 'text' in content ? content.text : `[template ${content.template.name} (${content.template.language})]`;
  const { stored } = await recordOutbound(customerId, {
    conversationId,
    channel: conversation.channel,
    messageId,
    text,
    author: customerId,
    sentAt: now.toISOString(),
    ...('template' in content ? { template: content.template } : {}),
  });
  // Already claimed (or sent) by an earlier attempt: answer what it did.
  if (!(await moveOutboundStatus(customerId, conversationId, stored.sk, 'queued', 'sending'))) return (await current(customerId, conversationId, messageId, stored)).message;

  if (conversation.channel === 'chat') {
    // Live chat goes through no provider: recorded `sent`, the stream's fan-out delivers it to the visitor's socket.
    await moveOutboundStatus(customerId, conversationId, stored.sk, 'sending', 'sent');
    return (await current(customerId, conversationId, messageId, stored)).message;
  }

  try {
    const providerMessageId = await sendOnChannel(conversation.channel, channels, conversation.contact, content, { customerId, conversationId, messageId });
    await linkProviderMessage(customerId, conversation.channel, providerMessageId, conversationId, stored.sk);
    await moveOutboundStatus(customerId, conversationId, stored.sk, 'sending', 'sent', { providerMessageId });
    return (await current(customerId, conversationId, messageId, stored)).message;
  } catch (error) {
    const answered = typeof (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 'number';
    const name = error instanceof Error ? error.name : 'Error';
    if (!answered) {
      logger.warn('Send outcome unknown; the message stays sending', { conversationId, messageId, errorName: name });
      throw error;
    }
    if (isTransient(error) || name === 'ThrottledRequestException') {
      await moveOutboundStatus(customerId, conversationId, stored.sk, 'sending', 'queued');
      throw error;
    }
    logger.warn('The provider refused the message', { conversationId, messageId, errorName: name });
    await moveOutboundStatus(customerId, conversationId, stored.sk, 'sending', 'failed', { failureReason: name });
    return (await current(customerId, conversationId, messageId, stored)).message;
  }
}

async function current(customerId: string, conversationId: string, messageId: string, fallback: StoredOutbound): Promise<StoredOutbound> {
  return (await findOutbound(customerId, conversationId, messageId)) ?? fallback;
}
