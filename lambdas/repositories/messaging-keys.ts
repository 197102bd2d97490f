import type { Channel, ConversationStatus } from '../messaging/model';

/** Keys of the messaging table (see messaging-table-design.ts); every customer partition starts the same way. */
export const messagingKeys = {
  channels: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'CHANNELS' }),
  /** The live-chat widget's settings (its origin allowlist), apart from CHANNELS so re-provisioning keeps them. */
  widgetSettings: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'WIDGET' }),
  conversationPartition: (customerId: string, conversationId: string) => `CUSTOMER#${customerId}#CONV#${conversationId}`,
  conversation: (customerId: string, conversationId: string) => ({ pk: messagingKeys.conversationPartition(customerId, conversationId), sk: 'CONV' }),
  message: (customerId: string, conversationId: string, sentAt: string, messageId: string) => ({
    pk: messagingKeys.conversationPartition(customerId, conversationId),
    sk: `MSG#${sentAt}#${messageId}`,
  }),
  providerMessage: (customerId: string, channel: Channel, providerMessageId: string) => ({
    pk: `CUSTOMER#${customerId}#PROVIDER#${channel}#${providerMessageId}`,
    sk: 'PROVIDER',
  }),
  /** `address` is an E.164 number for sms/whatsapp, the public key for the widget. */
  route: (kind: Channel | 'widget', address: string) => ({ pk: `ROUTE#${kind}#${address}`, sk: 'ROUTE' }),
  /** One partition per customer and channel of daily aggregates, sorted by day (repositories/analytics.ts). */
  analyticsPartition: (customerId: string, channel: Channel) => `CUSTOMER#${customerId}#ANALYTICS#${channel}`,
  analyticsDay: (customerId: string, channel: Channel, date: string) => ({ pk: messagingKeys.analyticsPartition(customerId, channel), sk: date }),
  /** The marker that a stream fact was counted (expires: see messaging/analytics/facts.ts). */
  analyticsFact: (customerId: string, factId: string) => ({ pk: `CUSTOMER#${customerId}#ANALYTICSFACT#${factId}`, sk: 'FACT' }),
};

/** The four index partitions a conversation is listed under (one per filter combination). */
export function conversationIndexKeys(customerId: string, status: ConversationStatus, channel: Channel) {
  return {
    byCustomer: `CUSTOMER#${customerId}`,
    byStatus: `CUSTOMER#${customerId}#STATUS#${status}`,
    byChannel: `CUSTOMER#${customerId}#CHANNEL#${channel}`,
    byStatusChannel: `CUSTOMER#${customerId}#STATUS#${status}#CHANNEL#${channel}`,
  };
}

export function activityKey(lastMessageAt: string, conversationId: string): string {
  return `${lastMessageAt}#${conversationId}`;
}
