/**
 * The WhatsApp message templates Meta has approved for our business accounts: the only messages WhatsApp
 * lets a business start, or send once the contact's 24-hour window has closed. A template not listed here
 * is refused with 400 before anything is sent (Meta would refuse it after we recorded it).
 */
export const APPROVED_WHATSAPP_TEMPLATES: readonly { readonly name: string; readonly language: string; readonly preview: string }[] = [
  { name: 'conversation_follow_up', language: 'en_US', preview: 'Hello, we are following up on your message. Reply to continue the conversation.' },
  { name: 'conversation_follow_up', language: 'es', preview: 'Hola, damos seguimiento a su mensaje. Responda para continuar la conversación.' },
  { name: 'appointment_reminder', language: 'en_US', preview: 'A reminder of your upcoming appointment. Reply to confirm or reschedule.' },
];

export function approvedTemplate(name: string, language: string) {
  return APPROVED_WHATSAPP_TEMPLATES.find((template) => template.name === name && template.language === language);
}

/** WhatsApp's customer-service window: free text only within 24 hours of the contact's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 3600 * 1000;

export function insideWhatsAppWindow(lastInboundAt: string | undefined, now: Date): boolean {
  return lastInboundAt !== undefined && now.getTime() - Date.parse(lastInboundAt) < WHATSAPP_WINDOW_MS;
}
