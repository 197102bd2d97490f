import * as z from 'zod';
import { normalizePhoneNumber } from './model';

/**
 * The payloads AWS End User Messaging publishes to SNS, as documented:
 * - two-way SMS (sms-voice user guide, "two-way SMS message payload"): `{originationNumber, destinationNumber,
 *   messageKeyword, messageBody, inboundMessageId, previousPublishedMessageId}`; it has no timestamp, so the
 *   SNS envelope's `Timestamp` (when End User Messaging published it) is the provider time;
 * - SMS events of a configuration set (`{eventType: "TEXT_DELIVERED", eventTimestamp, originationPhoneNumber,
 *   messageId, ...}`): delivery receipts;
 * - WhatsApp (social-messaging user guide, "message and event format"): `{context, whatsAppWebhookEntry,
 *   aws_account_id, message_timestamp, messageId}`, where `whatsAppWebhookEntry` is Meta's webhook entry as a
 *   JSON string: `{id, changes: [{field: "messages", value: {metadata: {display_phone_number, phone_number_id},
 *   messages?: [{from, id, timestamp, type, text?}], statuses?: [{id, status, timestamp, recipient_id}]}}]}`.
 */

/** A client's message for one of our numbers. */
export interface InboundEvent {
  readonly kind: 'message';
  readonly channel: 'sms' | 'whatsapp';
  /** Our (the customer's) number, E.164. */
  readonly to: string;
  /** The client's number, E.164. */
  readonly from: string;
  readonly providerMessageId: string;
  readonly text: string;
  readonly sentAt: string;
}

/** A delivery or read receipt of a message we sent from `from`. */
export interface ReceiptEvent {
  readonly kind: 'receipt';
  readonly channel: 'sms' | 'whatsapp';
  readonly from: string;
  readonly providerMessageId: string;
  readonly status: 'delivered' | 'read' | 'failed';
}

export type ProviderEvent = InboundEvent | ReceiptEvent;

const phone = z.string().transform((value, ctx) => normalizePhoneNumber(value) ?? (ctx.addIssue({ code: 'custom', message: 'not a phone number' }), z.NEVER));
const TwoWaySms = z.looseObject({
  originationNumber: phone,
  destinationNumber: phone,
  messageBody: z.string().max(10_000),
  inboundMessageId: z.string().min(1).max(200),
});
const SmsEvent = z.looseObject({
  eventType: z.string(),
  originationPhoneNumber: phone,
  messageId: z.string().min(1).max(200),
});

/** SMS event types that end a message's delivery: the carrier's receipt, or a final refusal. */
const SMS_DELIVERED = new Set(['TEXT_DELIVERED']);
const SMS_FAILED = new Set(['TEXT_BLOCKED', 'TEXT_INVALID', 'TEXT_INVALID_MESSAGE', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_UNREACHABLE', 'TEXT_TTL_EXPIRED', 'TEXT_SPAM', 'TEXT_CARRIER_BLOCKED', 'TEXT_OPTED_OUT']);

/** One SNS message of the SMS topics; undefined when it is neither a client's message nor a receipt we use. */
export function parseSmsNotification(message: string, snsTimestamp: string): ProviderEvent | undefined {
  const json = parseJson(message);
  const inbound = TwoWaySms.safeParse(json);
  if (inbound.success) {
    return {
      kind: 'message',
      channel: 'sms',
      to: inbound.data.destinationNumber,
      from: inbound.data.originationNumber,
      providerMessageId: inbound.data.inboundMessageId,
      text: inbound.data.messageBody,
      sentAt: new Date(snsTimestamp).toISOString(),
    };
  }
  const event = SmsEvent.safeParse(json);
  if (!event.success) return undefined;
  const status = SMS_DELIVERED.has(event.data.eventType) ? 'delivered' : SMS_FAILED.has(event.data.eventType) ? 'failed' : undefined;
  return status ? { kind: 'receipt', channel: 'sms', from: event.data.originationPhoneNumber, providerMessageId: event.data.messageId, status } : undefined;
}

const epochSeconds = z.string().regex(/^\d{9,11}$/).transform((value) => new Date(Number(value) * 1000).toISOString());
const WhatsAppEntry = z.looseObject({
  changes: z.array(
    z.looseObject({
      value: z.looseObject({
        metadata: z.looseObject({ display_phone_number: phone }),
        messages: z
          .array(z.looseObject({ from: phone, id: z.string().min(1).max(200), timestamp: epochSeconds, type: z.string(), text: z.looseObject({ body: z.string().max(10_000) }).optional() }))
          .optional(),
        statuses: z.array(z.looseObject({ id: z.string().min(1).max(200), status: z.string() })).optional(),
      }),
    }),
  ),
});
const WhatsAppNotification = z.looseObject({ whatsAppWebhookEntry: z.string() });

const WHATSAPP_RECEIPTS: Readonly<Record<string, ReceiptEvent['status']>> = { delivered: 'delivered', read: 'read', failed: 'failed' };

/** Every client message and receipt in one WhatsApp event destination message (an entry may hold several). */
export function parseWhatsAppNotification(message: string): ProviderEvent[] | undefined {
  const notification = WhatsAppNotification.safeParse(parseJson(message));
  if (!notification.success) return undefined;
  const entry = WhatsAppEntry.safeParse(parseJson(notification.data.whatsAppWebhookEntry));
  if (!entry.success) return undefined;
  return entry.data.changes.flatMap(({ value }) => {
    const ours = value.metadata.display_phone_number;
    const messages: ProviderEvent[] = (value.messages ?? []).map((item) => ({
      kind: 'message',
      channel: 'whatsapp',
      to: ours,
      from: item.from,
      providerMessageId: item.id,
      // Media and other kinds are kept as a note until the inbox shows them.
      text: item.type === 'text' && item.text ? item.text.body : `[${item.type} message]`,
      sentAt: item.timestamp,
    }));
    const receipts: ProviderEvent[] = (value.statuses ?? []).flatMap((item) => {
      const status = WHATSAPP_RECEIPTS[item.status];
      return status ? [{ kind: 'receipt' as const, channel: 'whatsapp' as const, from: ours, providerMessageId: item.id, status }] : [];
    });
    return [...messages, ...receipts];
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
