import { randomBytes } from 'node:crypto';
import { RequestPhoneNumberCommand, UpdatePhoneNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { smsVoice } from '../clients/sms-voice';
import { config } from '../config';
import { PLANS } from '../core/plans';
import { getCustomer } from '../repositories/accounts';
import { assignChannels, getChannels } from '../repositories/messaging-channels';
import { claimWhatsAppNumber } from '../repositories/whatsapp-number-pool';
import type { MessagingChannels } from './model';

export type ChannelAllocation = { readonly allocated: false; readonly why: string } | { readonly allocated: true; readonly channels: MessagingChannels };

/**
 * Gives a business or enterprise customer its SMS number (RequestPhoneNumber, then UpdatePhoneNumber for two-way to the
 * SMS topic; the ClientToken makes a retry answer the same number), a WhatsApp number from the linked pool and a widget
 * key, and routes them to it. Idempotent: what the customer already has is kept.
 */
export async function allocateMessagingChannels(customerId: string): Promise<ChannelAllocation> {
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) return { allocated: false, why: 'no such customer' };
  if (!PLANS[customer.plan].messaging) return { allocated: false, why: `the ${customer.plan} plan has no messaging` };
  const existing = await getChannels(customerId);
  const sms =
    existing?.sms ??
    (await (async () => {
      const { PhoneNumber, PhoneNumberId } = await smsVoice.send(
        new RequestPhoneNumberCommand({
          IsoCountryCode: 'US',
          MessageType: 'TRANSACTIONAL',
          NumberCapabilities: ['SMS'],
          NumberType: 'TOLL_FREE',
          ClientToken: `stackpro-${customerId}`.slice(0, 64),
          Tags: [
            { Key: 'Customer', Value: customerId },
            { Key: 'ManagedBy', Value: 'stackpro' },
          ],
        }),
      );
      if (!PhoneNumber || !PhoneNumberId) throw new Error('RequestPhoneNumber answered without a number');
      // Two-way SMS is set on the number after it is requested: its inbound messages go to our SMS topic.
      await smsVoice.send(new UpdatePhoneNumberCommand({ PhoneNumberId, TwoWayEnabled: true, TwoWayChannelArn: config.messagingSmsTopicArn() }));
      return { number: PhoneNumber };
    })());
  const whatsapp = existing?.whatsapp ?? (await claimWhatsAppNumber(customerId));
  const widget = existing?.widget ?? { publicKey: `pk_${randomBytes(18).toString('base64url')}` };
  const channels: MessagingChannels = { sms, ...(whatsapp ? { whatsapp } : {}), widget };
  await assignChannels(customerId, channels);
  return { allocated: true, channels };
}
