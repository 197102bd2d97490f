import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { logger } from '../observability';
import { claimNotice, markNoticeSent, releaseNotice } from './sent-notices';
import { customerEmail, type NoticeDetails, type NoticeKind } from './templates';

export type { NoticeKind } from './templates';

/** A dedupe key plus what the template may mention; a plain string is just the dedupe key. */
export interface NoticeOptions extends NoticeDetails {
  /**
   * What makes this notice distinct: the same (customer, kind, key) is emailed at most once. Workflows pass
   * their execution name; webhooks the Stripe object the notice is about (invoice id, subscription + trial end).
   * @default 'once' (at most one such email per customer, ever)
   */
  readonly dedupeKey?: string;
}

export interface NoticeResult {
  readonly sent: boolean;
  readonly dedupeKey: string;
}

const MAX_KEY_LENGTH = 200;

/**
 * Emails the customer one lifecycle notice (trial ending, payment failed, suspended, resumed, cancelled)
 * from the sender address, at most once per (customer, kind, dedupe key), so a retried step, a
 * redelivered event or distinct events about the same thing arriving together never email twice: the
 * notice is claimed (a conditional write) before SES is called, and the claim is released if SES fails.
 * A crash between claim and send delays the notice until the claim goes stale, never duplicates it.
 */
export async function sendCustomerEmail(
  customer: Pick<Customer, 'customerId' | 'email' | 'firstName' | 'company' | 'subdomain' | 'trialEndsAt'> & {
    readonly billing?: { readonly trialEndsAt?: string | null } | null;
  },
  kind: NoticeKind,
  extra?: string | NoticeOptions,
): Promise<NoticeResult> {
  const options: NoticeOptions = typeof extra === 'string' ? { dedupeKey: extra } : (extra ?? {});
  const dedupeKey = (options.dedupeKey || 'once').slice(0, MAX_KEY_LENGTH);
  const { customerId } = customer;
  if (!(await claimNotice(customerId, kind, dedupeKey))) {
    logger.info('Customer notice already sent or being sent', { customerId, kind });
    return { sent: false, dedupeKey };
  }
  const { subject, text, html } = customerEmail(kind, customer, options);
  let messageId: string | undefined;
  try {
    const result = await sesv2.send(
      new SendEmailCommand({
        FromEmailAddress: config.senderAddress(),
        Destination: { ToAddresses: [customer.email] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text }, Html: { Data: html } } } },
      }),
    );
    messageId = result.MessageId;
  } catch (error) {
    await releaseNotice(customerId, kind, dedupeKey).catch(() => undefined);
    throw error;
  }
  await markNoticeSent(customerId, kind, dedupeKey, messageId);
  logger.info('Customer notice sent', { customerId, kind });
  return { sent: true, dedupeKey };
}
