import type { Context, SNSEvent } from 'aws-lambda';
import { logger, traceHandler } from '../observability';
import { receiveProviderEvent, type ReceiveOutcome } from './receive-provider-event';
import { parseWhatsAppNotification } from './sns-payloads';

/**
 * Subscribed to the WhatsApp event destination topic: client messages land in their conversations once,
 * in provider-timestamp order; delivered/read/failed statuses update the sent message. Unreadable
 * notifications are logged and skipped; our own failures throw, so SNS delivers again.
 */
export async function handler(event: SNSEvent, context?: Context): Promise<{ outcomes: (ReceiveOutcome | 'unreadable')[] }> {
  if (context) logger.addContext(context);
  return traceHandler('Receive WhatsApp', {}, async () => {
    const outcomes: (ReceiveOutcome | 'unreadable')[] = [];
    for (const record of event.Records ?? []) {
      const events = parseWhatsAppNotification(record.Sns?.Message ?? '');
      if (!events) {
        logger.warn('A WhatsApp notification we cannot read', { snsMessageId: record.Sns?.MessageId });
        outcomes.push('unreadable');
        continue;
      }
      for (const parsed of events) outcomes.push(await receiveProviderEvent(parsed));
    }
    return { outcomes };
  });
}
