/**
 * The one place Lambda code reads its environment. Each getter fails fast with the variable's name, so a
 * missing setting shows up as a clear error at the first call instead of an `undefined` deep inside.
 */
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

function optionalInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export const config = {
  /** The single DynamoDB table. */
  tableName: () => required('TABLE_NAME'),
  /** The messaging table (conversations, messages, channel routing): repositories/messaging-table-design.ts. */
  messagingTableName: () => required('MESSAGING_TABLE_NAME'),
  /** The two-way SMS topic each customer number delivers its inbound messages to (lib/messaging-stack.ts). */
  messagingSmsTopicArn: () => required('MESSAGING_SMS_TOPIC_ARN'),
  /** The REST API's `/widget` URL (the script is `<it>/<publicKey>/widget.js`); built from the API's id in AWS. */
  messagingWidgetUrl: () => process.env.MESSAGING_WIDGET_URL || undefined,
  /** The staff WebSocket API's URL; unset until it is deployed. */
  messagingWebsocketUrl: () => process.env.MESSAGING_WEBSOCKET_URL || undefined,
  /**
   * The WebSocket API's connection management endpoint (`https://<apiId>.execute-api.<region>.<suffix>/<stage>`):
   * the fan-out posts frames to `<this>/@connections/<id>`.
   */
  messagingConnectionsUrl: () => required('MESSAGING_CONNECTIONS_URL'),
  /** ARN of the provisioning state machine that signup starts. */
  provisioningStateMachineArn: () => required('PROVISIONING_STATE_MACHINE_ARN'),
  /** Secrets Manager id of the JWT signing key: JSON `{kid, privateJwk, publicJwk}`. */
  signingKeySecretId: () => required('SIGNING_KEY_SECRET_ID'),
  /** How long a signer caches the private key (seconds, at most 300: the rotation interval counts on it). */
  signingKeyCacheSeconds: () => Math.min(optionalInt('SIGNING_KEY_CACHE_SECONDS', 300), 300),
  /** Secrets Manager id of the public keys the authorizer trusts: a JWKS `{keys: [current, previous]}`. */
  jwtPublicKeysSecretId: () => required('JWT_PUBLIC_KEYS_SECRET_ID'),
  /** Parent domain of every customer subdomain, e.g. `customers.stackpro.io`. */
  customerDomain: () => required('CUSTOMER_DOMAIN'),
  /** The static frontend's origin, echoed in CORS headers. */
  frontendOrigin: () => required('FRONTEND_ORIGIN'),
  /** Route 53 hosted zone of the customer domain. */
  hostedZoneId: () => required('HOSTED_ZONE_ID'),
  /** Launch template of customer instances (IMDSv2, encrypted gp3, SSM profile, no key pair). */
  launchTemplateId: () => required('LAUNCH_TEMPLATE_ID'),
  /** Subnets to launch in, in order of preference; the next is tried when one has no capacity. */
  subnetIds: () => required('SUBNET_IDS').split(',').map((id) => id.trim()).filter(Boolean),
  /** SSM document that deploys the customer's apps on the instance. */
  deployDocumentName: () => required('DEPLOY_DOCUMENT_NAME'),
  /** `arn:<partition>:ec2:<region>:<account>:instance/`: a customer secret is tagged with this plus the instance id. */
  instanceArnPrefix: () => required('INSTANCE_ARN_PREFIX'),
  /** AWS Backup vault of customer recovery points (lib/customer-backups.ts). */
  backupVaultName: () => required('BACKUP_VAULT_NAME'),
  /** The role AWS Backup assumes for an on-demand job (the only role "back up now" may pass). */
  backupRoleArn: () => required('BACKUP_ROLE_ARN'),
  /** `arn:<partition>:ec2:<region>:<account>:volume/`: a customer volume's ARN is this plus its id (AWS Backup's resource ARN). */
  volumeArnPrefix: () => required('VOLUME_ARN_PREFIX'),
  /** Verified SES address our emails come from. */
  senderAddress: () => required('SENDER_ADDRESS'),
  /** Secrets Manager id of the Stripe keys: JSON `{secretKey, webhookSecret}`. */
  stripeSecretId: () => required('STRIPE_SECRET_ID'),
  /** Stripe API base (scheme://host:port) for a sandbox; unset in production (api.stripe.com). */
  stripeApiBase: () => process.env.STRIPE_API_BASE || undefined,
  /** Plan name to Stripe price id, JSON: `{"starter":"price_...","business":"...","enterprise":"..."}`. */
  stripePriceIds: (): Record<string, string> => {
    const raw = required('STRIPE_PRICE_IDS');
    try {
      return JSON.parse(raw) as Record<string, string>;
    } catch {
      throw new Error('STRIPE_PRICE_IDS must be a JSON object of plan name to Stripe price id');
    }
  },
  /** Days a cancelled, unpaid customer's data is kept before deprovisioning. */
  billingRetentionDays: () => optionalInt('BILLING_RETENTION_DAYS', 30),
  /** Days a deprovisioned customer's final backup snapshot is kept before the sweep deletes it. */
  finalSnapshotRetentionDays: () => optionalInt('FINAL_SNAPSHOT_RETENTION_DAYS', 90),
  /** Days a released customer's messaging history is kept before the daily job deletes it. */
  messagingHistoryRetentionDays: () => optionalInt('MESSAGING_HISTORY_RETENTION_DAYS', 30),
  suspendStateMachineArn: () => required('SUSPEND_STATE_MACHINE_ARN'),
  resumeStateMachineArn: () => required('RESUME_STATE_MACHINE_ARN'),
  deprovisionStateMachineArn: () => required('DEPROVISION_STATE_MACHINE_ARN'),
  resizeStateMachineArn: () => required('RESIZE_STATE_MACHINE_ARN'),
  /** The RestoreCustomer workflow (lib/restore-workflow-stack.ts). */
  restoreStateMachineArn: () => required('RESTORE_STATE_MACHINE_ARN'),
  /** The FleetUpdate state machine (lib/fleet-update-stack.ts), started by POST /admin/fleet-updates. */
  fleetUpdateStateMachineArn: () => required('FLEET_UPDATE_STATE_MACHINE_ARN'),
  /** How long a verification link works (24 hours). */
  verificationTokenTtlSeconds: () => optionalInt('VERIFICATION_TOKEN_TTL_SECONDS', 24 * 3600),
  /** How long an unverified account holds its email and subdomain before it is abandoned (7 days). */
  unverifiedAccountTtlSeconds: () => optionalInt('UNVERIFIED_ACCOUNT_TTL_SECONDS', 7 * 24 * 3600),
  accessTokenTtlSeconds: () => optionalInt('ACCESS_TOKEN_TTL_SECONDS', 900),
  refreshTokenTtlSeconds: () => optionalInt('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600),
};
