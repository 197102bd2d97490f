/**
 * The Lambdas subscribed to End User Messaging's SNS topics, by topic: CDK (lib/messaging-stack.ts) and the
 * local stack's sandbox (which delivers to them as SNS would) read the same table.
 */
export const INBOUND_HANDLERS = {
  sms: { id: 'ReceiveSms', handler: 'messaging/receive-sms' },
  whatsapp: { id: 'ReceiveWhatsApp', handler: 'messaging/receive-whatsapp' },
} as const;
