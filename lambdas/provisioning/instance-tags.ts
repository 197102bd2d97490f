/**
 * The tags every customer instance carries, so rollback, suspend, resume and deprovision find it (and
 * its snapshots) even when the launch result was lost.
 */
export const CUSTOMER_TAG = 'Customer';
export const ATTEMPT_TAG = 'ProvisioningAttempt';
