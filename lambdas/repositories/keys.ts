/**
 * Item keys of the single table, one function per item type, so every access pattern is visible here.
 * See README "Data model" for the table of item types and access patterns.
 */
export const keys = {
  /** The customer's profile and lifecycle state. GetItem by customer id. */
  customer: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' }),
  /** Email uniqueness and login credentials. GetItem by normalised email. */
  credentials: (normalizedEmail: string) => ({ pk: `EMAIL#${normalizedEmail}`, sk: 'CREDENTIALS' }),
  /** Subdomain uniqueness. */
  slug: (slug: string) => ({ pk: `SLUG#${slug}`, sk: 'SLUG' }),
  /** One refresh token, by the SHA-256 of its value. */
  refreshToken: (tokenHash: string) => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
  /** A refresh-token family (one login session); revoked as a whole on token reuse. */
  tokenFamily: (familyId: string) => ({ pk: `TOKENFAMILY#${familyId}`, sk: 'TOKENFAMILY' }),
  /** Failed-login counter for one email, keyed by a hash so the key itself holds no PII. */
  loginAttempts: (emailHash: string) => ({ pk: `LOGINATTEMPTS#${emailHash}`, sk: 'LOGINATTEMPTS' }),
  /**
   * The customer's provisioning log: Query pk = CUSTOMER#id, sk begins_with PROVLOG#. One item per
   * execution, step and outcome, so a retried step overwrites its entry instead of repeating it.
   */
  provisioningLogEntry: (customerId: string, executionName: string, step: string, status: string) => ({
    pk: `CUSTOMER#${customerId}`,
    sk: `PROVLOG#${executionName}#${step}#${status}`,
  }),
};

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
