import { NotReadyError } from '../workflows/errors';

/**
 * Typed failures of provisioning steps. The state machine matches them by name: capacity is retried
 * with a long backoff, the rest go straight to rollback. Messages are shown to the customer and support.
 */
export class CustomerNotFoundError extends Error {
  override readonly name = 'CustomerNotFoundError';
}

/**
 * EC2 has no room for the customer's server yet: the account's vCPU quota is used up, or every subnet
 * (Availability Zone) answered InsufficientInstanceCapacity or ran out of addresses. The customer is
 * `waiting_for_capacity`; the Task retries this with backoff until the capacity wait runs out. A kind of
 * not ready yet: the step shows as running with this message.
 */
export class InstanceCapacityError extends NotReadyError {
  override readonly name = 'InstanceCapacityError';
}

/** The capacity wait (CDK context capacityWaitHours) ran out with still no server: provisioning rolls back. */
export class CapacityWaitExpiredError extends Error {
  override readonly name = 'CapacityWaitExpiredError';
}

/** The instance stopped or terminated on its own while we waited for it. */
export class InstanceLostError extends Error {
  override readonly name = 'InstanceLostError';
}

/** The SSM deployment command ended in Failed, Cancelled or TimedOut. */
export class DeploymentFailedError extends Error {
  override readonly name = 'DeploymentFailedError';
}

/** Another execution owns this customer's provisioning now (an operator retried): this one must stop. */
export class StaleExecutionError extends Error {
  override readonly name = 'StaleExecutionError';
}
