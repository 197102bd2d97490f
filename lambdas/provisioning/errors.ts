/**
 * Typed failures of provisioning steps. The state machine matches them by name: capacity is retried
 * with a long backoff, the rest go straight to rollback. Messages are shown to the customer and support.
 */
export class CustomerNotFoundError extends Error {
  override readonly name = 'CustomerNotFoundError';
}

/** Every subnet (Availability Zone) answered InsufficientInstanceCapacity. */
export class InstanceCapacityError extends Error {
  override readonly name = 'InstanceCapacityError';
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
