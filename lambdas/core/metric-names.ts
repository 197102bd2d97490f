/**
 * Business metric names, shared by the Lambdas that emit them and the CDK alarms that watch them. A
 * module without side effects, so CDK can import it without creating SDK clients.
 */
export const METRICS = {
  namespace: 'StackPro',
  /** Powertools adds this as the `service` dimension to every metric. */
  service: 'stackpro',
  /** Counted when a customer starts waiting for EC2 capacity (vCPU quota, no capacity, no address): alarms at once. */
  capacityWaitStarted: 'CapacityWaitStarted',
  /** Counted once per provisioning that ended in rollback. */
  provisioningFailed: 'ProvisioningFailed',
  /** Counted when an undo failed for good: something may still cost money. */
  rollbackIncomplete: 'RollbackIncomplete',
  /** Counted once per SuspendCustomer execution that ended in its failure state (not when superseded). */
  suspendFailed: 'SuspendFailed',
  /** Counted once per ResumeCustomer execution that ended in its failure state: a paying customer may be offline. */
  resumeFailed: 'ResumeFailed',
  /** Counted once per DeprovisionCustomer execution that failed: resources may be half removed and still cost money. */
  deprovisionFailed: 'DeprovisionFailed',
  /** Counted once per RestoreCustomer execution that rolled back (the customer runs on its previous volume). */
  restoreRolledBack: 'RestoreRolledBack',
  /** Counted when a restore's roll-back itself failed: the server may be stopped; operators must act. */
  restoreRollbackIncomplete: 'RestoreRollbackIncomplete',
  /** A correctly signed Stripe event we could not use (malformed, or not about one of our accounts): recorded, answered 200. */
  stripeEventIgnored: 'StripeEventIgnored',
  /** A webhook delivery refused because the deployed webhook secret is still the placeholder. */
  stripeWebhookSecretUnset: 'StripeWebhookSecretUnset',
  /** Lapsed (paused or unpaid past the retention) accounts whose deprovisioning a sweep started. */
  lapsedAccountsDeprovisioned: 'LapsedAccountsDeprovisioned',
  /** Final-backup snapshots deleted after their retention. */
  finalSnapshotsDeleted: 'FinalSnapshotsDeleted',
  /** A sweep item that failed (the sweep goes on with the others and retries it next run). */
  billingSweepErrors: 'BillingSweepErrors',
  /** Customer email domains the DKIM sweep found verified (email service now `running`). */
  emailDomainsVerified: 'EmailDomainsVerified',
  /** Customer email domains still unverified 72 hours after activation: the sweep stopped checking. */
  emailVerificationAbandoned: 'EmailVerificationAbandoned',
  /** An account stored by signup (before its email is verified). */
  customerSignedUp: 'CustomerSignedUp',
  /** An email verified for the first time: provisioning starts. */
  emailVerified: 'EmailVerified',
  /** Gauge (usage job): customers whose status is `active`, with the dimension `plan`. */
  activeCustomers: 'ActiveCustomers',
  /** Gauge (usage job): ProvisionCustomer executions running now. */
  provisioningsInFlight: 'ProvisioningsInFlight',
  /** Customers whose usage item the usage job wrote this run. */
  usageMeasured: 'UsageMeasured',
} as const;

/**
 * What customer instances ship: the CloudWatch agent's `disk_used` (bytes, root file system) under our own
 * namespace, the only one the instance role may PutMetricData to, aggregated to the InstanceId dimension.
 * EC2 itself publishes NetworkOut (bytes) under AWS/EC2.
 */
export const INSTANCE_METRICS = {
  namespace: 'StackPro/CustomerInstances',
  diskUsed: 'disk_used',
  dimension: 'InstanceId',
  ec2Namespace: 'AWS/EC2',
  networkOut: 'NetworkOut',
} as const;
