import { createHash, randomBytes } from 'node:crypto';
import { RequestPhoneNumberCommand, UpdatePhoneNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { smsVoice } from '../clients/sms-voice';
import { config } from '../config';
import { PLANS } from '../core/plans';
import { getCustomer } from '../repositories/accounts';
import { assignChannels, getChannels, recordSmsNumber, settleWidgetKey } from '../repositories/messaging-channels';
import { claimWhatsAppNumber } from '../repositories/whatsapp-number-pool';
import type { MessagingChannels } from './model';

export type ChannelAllocation = { readonly allocated: false; readonly why: string } | { readonly allocated: true; readonly channels: MessagingChannels };

/**
 * RequestPhoneNumber's ClientToken (at most 64 characters): one per customer and allocation (a provisioning
 * attempt, a plan change), so a retried step gets the same number back and a later allocation (after a
 * release) gets a new one rather than the released one.
 */
export function phoneNumberClientToken(customerId: string, allocationKey: string): string {
  return `stackpro-${createHash('sha256').update(`${customerId}\n${allocationKey}`).digest('hex').slice(0, 48)}`;
}

/**
 * Gives a business or enterprise customer its SMS number (RequestPhoneNumber, then UpdatePhoneNumber for two-way to the
 * SMS topic), a WhatsApp number from the linked pool and a widget key, and routes them to it. Idempotent: what the
 * customer already has is kept; the number is recorded as soon as it is requested, so a release after a failure
 * here finds it.
 */
export async function allocateMessagingChannels(customerId: string, allocationKey: string): Promise<ChannelAllocation> {
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) return { allocated: false, why: 'no such customer' };
  if (!PLANS[customer.plan].messaging) return { allocated: false, why: `the ${customer.plan} plan has no messaging` };
  const existing = await getChannels(customerId);
  // Complete already (a retry after the step's end was lost): nothing to do. Without a WhatsApp number (the pool
  // was empty) it goes on and claims one now.
  if (existing?.sms && existing.whatsapp && existing.widget) return { allocated: true, channels: existing };
  let sms = existing?.sms;
  if (!sms) {
    const { PhoneNumber, PhoneNumberId } = await smsVoice.send(
      new RequestPhoneNumberCommand({
        IsoCountryCode: 'US',
        MessageType: 'TRANSACTIONAL',
        NumberCapabilities: ['SMS'],
        NumberType: 'TOLL_FREE',
        ClientToken: phoneNumberClientToken(customerId, allocationKey),
        Tags: [
          { Key: 'Customer', Value: customerId },
          { Key: 'ManagedBy', Value: 'stackpro' },
        ],
      }),
    );
    if (!PhoneNumber || !PhoneNumberId) throw new Error('RequestPhoneNumber answered without a number');
    sms = { number: PhoneNumber, phoneNumberId: PhoneNumberId };
    await recordSmsNumber(customerId, sms);
  }
  // Two-way SMS is set on the number after it is requested: its inbound messages go to our SMS topic (safe to repeat).
  if (sms.phoneNumberId) {
    await smsVoice.send(new UpdatePhoneNumberCommand({ PhoneNumberId: sms.phoneNumberId, TwoWayEnabled: true, TwoWayChannelArn: config.messagingSmsTopicArn() }));
  }
  const whatsapp = existing?.whatsapp ?? (await claimWhatsAppNumber(customerId));
  const widget = existing?.widget ?? (await settleWidgetKey(customerId, { publicKey: `pk_${randomBytes(18).toString('base64url')}` }));
  const channels: MessagingChannels = { sms, ...(whatsapp ? { whatsapp } : {}), widget };
  await assignChannels(customerId, channels);
  return { allocated: true, channels };
}
