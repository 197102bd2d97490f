import type { Context, SNSEvent } from 'aws-lambda';
import { logger, traceHandler } from '../observability';
import { receiveProviderEvent, type ReceiveOutcome } from './receive-provider-event';
import { parseSmsNotification } from './sns-payloads';

/**
 * Subscribed to the two-way SMS topic (and the SMS configuration set's event topic): each client message
 * lands in its customer's conversation once; each delivery event updates the sent message. A notification
 * we cannot read is logged and skipped (no retry would make it readable); a failure of ours throws, so SNS
 * delivers again, and the dedupe makes that harmless.
 */
export async function handler(event: SNSEvent, context?: Context): Promise<{ outcomes: (ReceiveOutcome | 'unreadable')[] }> {
  if (context) logger.addContext(context);
  return traceHandler('Receive SMS', {}, async () => {
    const outcomes: (ReceiveOutcome | 'unreadable')[] = [];
    for (const record of event.Records ?? []) {
      const parsed = parseSmsNotification(record.Sns?.Message ?? '', record.Sns?.Timestamp ?? new Date().toISOString());
      if (!parsed) {
        logger.warn('An SMS notification we cannot read', { snsMessageId: record.Sns?.MessageId });
        outcomes.push('unreadable');
        continue;
      }
      outcomes.push(await receiveProviderEvent(parsed));
    }
    return { outcomes };
  });
}
