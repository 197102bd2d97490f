/**
 * The Lambdas subscribed to End User Messaging's SNS topics, by topic: CDK (lib/messaging-stack.ts) and the
 * local stack's sandbox (which delivers to them as SNS would) read the same table.
 */
export const INBOUND_HANDLERS = {
  sms: { id: 'ReceiveSms', handler: 'messaging/receive-sms' },
  whatsapp: { id: 'ReceiveWhatsApp', handler: 'messaging/receive-whatsapp' },
} as const;

/**
 * Workflow steps written but not yet placed in an ASL file: "Allocate messaging channels" belongs in
 * provision-customer.asl.json (and its release in deprovision). Listed so the handler lint knows them.
 */
export const UNWIRED_STEP_HANDLERS = ['messaging/allocate-messaging-channels'] as const;
