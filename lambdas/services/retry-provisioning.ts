import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import { provisioningExecutionName } from '../core/customer';
import { InvalidStateError, NotFoundError, ServiceUnavailableError } from '../core/errors';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { setProvisioningOutcome, startProvisioningAttempt } from '../repositories/customer-lifecycle';

export interface RetryResult {
  readonly customerId: string;
  readonly status: 'provisioning';
  readonly attempt: number;
  readonly executionName: string;
}

/**
 * Starts a fresh provisioning execution for a customer whose last one failed (and was rolled back). The
 * attempt number is part of the execution name and of every idempotency token (EC2 ClientToken), so
 * nothing half-made by an earlier attempt is reused. Only a `failed` customer can be retried; the
 * status change is conditional, so two operators retrying at once start one execution.
 */
export async function retryProvisioning(customerId: string, operator: string): Promise<RetryResult> {
  const customer = await getCustomer(customerId);
  if (!customer) throw new NotFoundError('customer');
  if (customer.status !== 'failed') {
    throw new InvalidStateError(`Provisioning can be retried only after it failed; this customer is ${customer.status}.`);
  }
  const attempt = (customer.provisioningAttempt ?? 1) + 1;
  const slug = customer.subdomain.split('.')[0];
  const executionName = provisioningExecutionName(slug, customerId, attempt);
  if (!(await startProvisioningAttempt(customerId, attempt, executionName))) {
    throw new InvalidStateError('Provisioning was retried or changed by someone else just now.');
  }
  try {
    await stepFunctions.send(
      new StartExecutionCommand({
        stateMachineArn: config.provisioningStateMachineArn(),
        name: executionName,
        input: JSON.stringify({ customerId, attempt }),
      }),
    );
  } catch (error) {
    logger.error('Could not start the retry; the customer stays failed', { customerId, attempt, errorName: (error as Error).name });
    await setProvisioningOutcome(customerId, executionName, 'failed', customer.failureReason ?? 'Retry could not be started');
    throw new ServiceUnavailableError();
  }
  logger.info('Provisioning retried by an operator', { customerId, attempt, operator });
  return { customerId, status: 'provisioning', attempt, executionName };
}
