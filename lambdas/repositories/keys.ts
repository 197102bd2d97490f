/**
 * Item keys of the single table, one function per item type, so every access pattern is visible here.
 * See README "Data model" for the table of item types and access patterns.
 */
export const keys = {
  /** The customer's profile and lifecycle state. GetItem by customer id. */
  customer: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' }),
  /** What provisioning created for the customer (instance, IP, services, deploy command). GetItem by id. */
  infrastructure: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'INFRASTRUCTURE' }),
  /** The customer's measured usage (disk, data out, backups), rewritten by the usage job; read with the partition. */
  usage: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'USAGE' }),
  /** The customer's latest restore (claimed by the restore route, moved on by the RestoreCustomer workflow); read with the partition. */
  restore: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'RESTORE' }),
  /**
   * The Stripe events we received, one partition: Powertools Idempotency's records (repositories/
   * idempotency-records.ts), sk `STRIPEEVENT#<hash of the event id>`, so each event takes effect once (TTL
   * after 30 days). One partition stays far below DynamoDB's per-partition limits at Stripe's event rates.
   */
  stripeEventPartition: 'STRIPEEVENT',
  stripeEventPrefix: 'STRIPEEVENT',
  /**
   * A signed Stripe delivery we could not use (no usable id, type or object), keyed by the SHA-256 of its
   * body: distinct bodies never collapse into one record; the same body redelivered is the same record.
   */
  ignoredStripeDelivery: (bodyHash: string) => ({ pk: `STRIPEIGNORED#${bodyHash}`, sk: 'STRIPEIGNORED' }),
  /**
   * An account suspended for billing, as a candidate for the retention sweep: one partition, sorted by
   * when it was suspended, so the sweep Queries `sk < <cutoff>` instead of scanning the table.
   */
  billingLapse: (suspendedAt: string, customerId: string) => ({ pk: 'BILLINGLAPSE', sk: `${suspendedAt}#${customerId}` }),
  billingLapsePartition: 'BILLINGLAPSE',
  /**
   * A live customer whose email domain SES has not verified yet (DKIM, up to 72 h): one partition, one item
   * per customer, so the scheduled DKIM sweep Queries them all instead of scanning the table.
   */
  emailVerification: (customerId: string) => ({ pk: 'EMAILVERIFY', sk: customerId }),
  emailVerificationPartition: 'EMAILVERIFY',
  /** Email uniqueness and login credentials. GetItem by normalised email. */
  credentials: (normalizedEmail: string) => ({ pk: `EMAIL#${normalizedEmail}`, sk: 'CREDENTIALS' }),
  /** Subdomain uniqueness. */
  slug: (slug: string) => ({ pk: `SLUG#${slug}`, sk: 'SLUG' }),
  /** One refresh token, by the SHA-256 of its value. */
  refreshToken: (tokenHash: string) => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
  /** A refresh-token family (one login session); revoked as a whole on token reuse. */
  tokenFamily: (familyId: string) => ({ pk: `TOKENFAMILY#${familyId}`, sk: 'TOKENFAMILY' }),
  /**
   * The account's index of its sessions (refresh-token families): Query pk = CUSTOMER#id, sk begins_with
   * SESSION#, to revoke them all (logout-all, password reset). A refresh needs its family's entry to exist.
   */
  session: (customerId: string, familyId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: `SESSION#${familyId}` }),
  sessionPrefix: 'SESSION#',
  /** One password-reset token, by the SHA-256 of its value (single use, 1 hour). */
  passwordResetToken: (tokenHash: string) => ({ pk: `RESETTOKEN#${tokenHash}`, sk: 'RESETTOKEN' }),
  /** How many reset emails the account was sent in the current window (a mailbox-flooding guard). */
  passwordResetEmails: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'RESETEMAILS' }),
  /** Password checks reserved for one email in the current window, keyed by a hash so the key holds no PII. */
  loginAttempts: (emailHash: string) => ({ pk: `LOGINATTEMPTS#${emailHash}`, sk: 'LOGINATTEMPTS' }),
  /**
   * One provisioning step of one execution: Query pk = CUSTOMER#id, sk begins_with PROVSTEP#<execution>#.
   * Updated in place, so a retried or polled step never appears twice.
   */
  provisioningStep: (customerId: string, executionName: string, step: string) => ({
    pk: `CUSTOMER#${customerId}`,
    sk: `PROVSTEP#${executionName}#${step}`,
  }),
  provisioningStepPrefix: (executionName: string) => `PROVSTEP#${executionName}#`,
  /**
   * A fleet update (app version N rolled to many customers): its request, counters and status, and one item
   * per customer (from and to version, result, reason); the report is one Query of the partition.
   */
  fleetUpdate: (updateId: string) => ({ pk: `FLEETUPDATE#${updateId}`, sk: 'UPDATE' }),
  fleetUpdateCustomer: (updateId: string, customerId: string) => ({ pk: `FLEETUPDATE#${updateId}`, sk: `CUSTOMER#${customerId}` }),
  fleetUpdateCustomerPrefix: 'CUSTOMER#',
  /** An email verification token, by the SHA-256 of its value (the value itself is never stored). */
  verificationToken: (tokenHash: string) => ({ pk: `VERIFY#${tokenHash}`, sk: 'VERIFY' }),
};

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
