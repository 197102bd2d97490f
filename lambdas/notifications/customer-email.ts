import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { logger } from '../observability';
import { markNoticeSent, noticeSent } from './sent-notices';
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
 * from the sender address, at most once per (customer, kind, dedupe key), so a retried step or a
 * redelivered event never emails twice. The mark is checked first, and written only after SES accepted
 * the email: a crash in between can at worst repeat it once, never lose it (as the welcome email does).
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
  if (await noticeSent(customerId, kind, dedupeKey)) {
    logger.info('Customer notice already sent', { customerId, kind });
    return { sent: false, dedupeKey };
  }
  const { subject, text, html } = customerEmail(kind, customer, options);
  const result = await sesv2.send(
    new SendEmailCommand({
      FromEmailAddress: config.senderAddress(),
      Destination: { ToAddresses: [customer.email] },
      Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text }, Html: { Data: html } } } },
    }),
  );
  await markNoticeSent(customerId, kind, dedupeKey, result.MessageId);
  logger.info('Customer notice sent', { customerId, kind });
  return { sent: true, dedupeKey };
}
