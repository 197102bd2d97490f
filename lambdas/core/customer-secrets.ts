/**
 * The runtime secrets of one customer's server, as SecureString parameters under
 * `/stackpro/customers/<customerId>/<container>/<name>`. Deploy applications creates them (random, never
 * rewritten) and tags each with the ARN of the instance allowed to read it; the instance role reads only
 * parameters whose tag equals its own instance ARN (lib/deploy-document.ts, README "Customer server secrets").
 * Shared by the step that writes them, the deploy script that reads them and the IAM that guards them.
 */

/** Parameter Store path under which each customer's runtime secrets live: `<prefix>/<CustomerId>/...`. */
export const CUSTOMER_PARAMETER_PREFIX = '/stackpro/customers';

/** The tag whose value must equal the reading instance's ARN (`${ec2:SourceInstanceARN}`). */
export const INSTANCE_TAG = 'StackProInstance';

/** Every secret a customer server uses, by the container that needs it. */
export const CUSTOMER_SECRETS = {
  /** MariaDB's root password: only the database container gets it. */
  dbRootPassword: { path: 'db/root-password', length: 32 },
  /** The CRM's database password: the CRM and the database containers (both ends of one connection). */
  crmDbPassword: { path: 'crm/db-password', length: 32 },
  /** The CRM's first admin password. */
  crmAdminPassword: { path: 'crm/admin-password', length: 24 },
  /** Roundcube's session encryption key (`des_key`: 24 characters). */
  mailDesKey: { path: 'mail/des-key', length: 24 },
} as const;

export type CustomerSecret = keyof typeof CUSTOMER_SECRETS;

/** The parameter name of one secret of one customer. */
export function customerParameterName(customerId: string, secret: CustomerSecret): string {
  return `${CUSTOMER_PARAMETER_PREFIX}/${customerId}/${CUSTOMER_SECRETS[secret].path}`;
}
