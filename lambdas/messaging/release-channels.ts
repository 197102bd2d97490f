import { ReleasePhoneNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { smsVoice } from '../clients/sms-voice';
import { PLANS } from '../core/plans';
import { getCustomer } from '../repositories/accounts';
import { forgetChannels, getChannels, unrouteChannels } from '../repositories/messaging-channels';
import { scheduleHistoryExpiry } from '../repositories/messaging-history';
import { returnWhatsAppNumber } from '../repositories/whatsapp-number-pool';

/**
 * Why channels are released, which decides what else happens:
 * - `rollback`: provisioning failed or was stopped; the account never went live, so there is no history.
 * - `deprovision`: the account was cancelled; its history is deleted after the retention period.
 * - `plan`: a plan change; released only when the account's plan (already the new one) has no messaging,
 *   and its history is deleted after the retention period unless it has messaging again by then.
 */
export type ReleaseReason = 'rollback' | 'deprovision' | 'plan';

export type ChannelRelease = { readonly released: false; readonly why: string } | { readonly released: true; readonly what: readonly string[]; readonly historyExpiresAt?: string };

const DAY_MS = 24 * 3600 * 1000;

/**
 * Releases the customer's messaging channels, in an order that is safe to stop and repeat at any point:
 * first the routing items go (inbound to the numbers is dropped, the widget key stops working), then the
 * SMS number is released (ReleasePhoneNumber; one already gone counts as released), then the WhatsApp number
 * goes back to the pool (only now, so it never reaches another customer while still routed here), and the
 * channels record is forgotten last: until then a retry knows what is left.
 */
export async function releaseMessagingChannels(customerId: string, reason: ReleaseReason, options: { now?: Date; retentionDays?: number } = {}): Promise<ChannelRelease> {
  if (reason === 'plan') {
    const customer = await getCustomer(customerId, { consistent: true });
    if (customer && PLANS[customer.plan].messaging) return { released: false, why: `the ${customer.plan} plan keeps its messaging channels` };
  }
  const channels = await getChannels(customerId);
  const what: string[] = [];
  if (channels) {
    await unrouteChannels(customerId, channels);
    if (channels.sms?.phoneNumberId) {
      try {
        await smsVoice.send(new ReleasePhoneNumberCommand({ PhoneNumberId: channels.sms.phoneNumberId }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      }
      what.push('SMS number');
    }
    if (channels.widget) what.push('widget key');
  }
  // The claim is its own item: a number claimed by an allocation that failed before routing is found too.
  if (await returnWhatsAppNumber(customerId)) what.push('WhatsApp number');
  if (channels) await forgetChannels(customerId);
  const now = options.now ?? new Date();
  const historyExpiresAt = reason === 'rollback' ? undefined : new Date(now.getTime() + (options.retentionDays ?? 30) * DAY_MS);
  if (historyExpiresAt) await scheduleHistoryExpiry(customerId, historyExpiresAt);
  if (!channels && what.length === 0) return { released: false, why: 'no messaging channels' };
  return { released: true, what, ...(historyExpiresAt ? { historyExpiresAt: historyExpiresAt.toISOString() } : {}) };
}
