import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendWhatsAppMessageCommand } from '@aws-sdk/client-socialmessaging';
import { smsVoice } from '../clients/sms-voice';
import { socialMessaging } from '../clients/social-messaging';
import type { Channel, MessagingChannels } from './model';

/** The Graph API version of the WhatsApp message JSON we build (End User Messaging passes it to Meta). */
export const META_API_VERSION = 'v20.0';

export type OutboundContent = { readonly text: string } | { readonly template: { readonly name: string; readonly language: string } };

/** What the message carries for the provider to echo in its events (ids only, never the text). */
export interface SendContext {
  readonly customerId: string;
  readonly conversationId: string;
  readonly messageId: string;
}

/**
 * Hands one message to AWS End User Messaging on the conversation's channel and returns the provider's
 * message id (which receipts carry). SMS goes from the customer's own number; WhatsApp from its number's id.
 */
export async function sendOnChannel(channel: Channel, channels: MessagingChannels, to: string, content: OutboundContent, context: SendContext): Promise<string> {
  if (channel === 'chat') throw new Error('Live chat goes through no provider (send-reply.ts records it sent)');
  if (channel === 'sms') {
    if (!channels.sms || !('text' in content)) throw new Error('SMS needs the customer\'s SMS number and a text');
    const { MessageId } = await smsVoice.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: to,
        OriginationIdentity: channels.sms.number,
        MessageBody: content.text,
        MessageType: 'TRANSACTIONAL',
        Context: { customerId: context.customerId, conversationId: context.conversationId, messageId: context.messageId },
      }),
    );
    if (!MessageId) throw new Error('SendTextMessage answered without a MessageId');
    return MessageId;
  }
  if (!channels.whatsapp) throw new Error('WhatsApp needs the customer\'s WhatsApp number');
  const payload =
    'text' in content
      ? { messaging_product: 'whatsapp', to, type: 'text', text: { body: content.text } }
      : { messaging_product: 'whatsapp', to, type: 'template', template: { name: content.template.name, language: { code: content.template.language } } };
  const { messageId } = await socialMessaging.send(
    new SendWhatsAppMessageCommand({
      originationPhoneNumberId: channels.whatsapp.phoneNumberId,
      metaApiVersion: META_API_VERSION,
      message: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  if (!messageId) throw new Error('SendWhatsAppMessage answered without a messageId');
  return messageId;
}
