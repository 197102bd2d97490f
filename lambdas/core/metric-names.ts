/**
 * Business metric names, shared by the Lambdas that emit them and the CDK alarms that watch them. A
 * module without side effects, so CDK can import it without creating SDK clients.
 */
export const METRICS = {
  namespace: 'StackPro',
  /** Powertools adds this as the `service` dimension to every metric. */
  service: 'stackpro',
  /** Counted once per provisioning that ended in rollback. */
  provisioningFailed: 'ProvisioningFailed',
  /** Counted when an undo failed for good: something may still cost money. */
  rollbackIncomplete: 'RollbackIncomplete',
} as const;
