import { randomUUID } from 'node:crypto';
import { PLANS } from '../core/plans';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { applyReceipt, recordInbound } from '../repositories/messages';
import { customerOfAddress } from '../repositories/messaging-channels';
import { recordDropped } from '../repositories/dropped-messages';
import { conversationIdFor } from './model';
import type { ProviderEvent } from './sns-payloads';

/** Accounts in these states receive nothing: the message is recorded as dropped, not delivered to the inbox. */
const RECEIVING_REFUSED = new Set(['suspending', 'suspended', 'cancelled']);

export type ReceiveOutcome = 'created' | 'duplicate' | 'unrouted' | 'dropped' | 'receipt' | 'stale-receipt';

/**
 * One provider event: a client's message lands in its customer's conversation exactly once (routed by the
 * number it was sent to); a receipt moves the sent message forward. Ids and outcomes are logged, never text
 * or numbers.
 */
export async function receiveProviderEvent(event: ProviderEvent): Promise<ReceiveOutcome> {
  const ours = event.kind === 'message' ? event.to : event.from;
  const customerId = await customerOfAddress(event.channel, ours);
  if (!customerId) {
    logger.warn('A provider event for a number that is not routed to any customer', { channel: event.channel, kind: event.kind });
    return 'unrouted';
  }
  if (event.kind === 'receipt') {
    return (await applyReceipt(customerId, event.channel, event.providerMessageId, event.status)) ? 'receipt' : 'stale-receipt';
  }
  const customer = await getCustomer(customerId);
  if (!customer || RECEIVING_REFUSED.has(customer.status) || !PLANS[customer.plan].messaging) {
    await recordDropped(customerId, event.channel, event.providerMessageId, customer ? customer.status : 'deleted');
    logger.info('Inbound message dropped', { customerId, channel: event.channel, status: customer?.status });
    return 'dropped';
  }
  const conversationId = conversationIdFor(customerId, event.channel, event.from);
  const outcome = await recordInbound(customerId, {
    channel: event.channel,
    contact: event.from,
    providerMessageId: event.providerMessageId,
    text: event.text,
    sentAt: event.sentAt,
    conversationId,
    // The message id is ours, not the provider's: nothing about the provider leaks into our API's ids.
    messageId: `msg_${randomUUID()}`,
  });
  logger.info('Inbound message', { customerId, conversationId, channel: event.channel, outcome });
  return outcome;
}
