import { z } from 'zod';
import { logger } from '../observability';
import { getCustomer } from '../repositories/accounts';
import { appendProvisioningLog } from '../repositories/provisioning-log';

/** Step input, as the state machine's Parameters build it. */
const Input = z.object({ customerId: z.string().min(1), executionName: z.string().min(1) });

/** Thrown when the execution names a customer that does not exist (its signup was rolled back). */
export class CustomerNotFoundError extends Error {
  override readonly name = 'CustomerNotFoundError';
}

export interface RecordProvisioningStartedOutput {
  readonly customerId: string;
  readonly plan: string;
  readonly subdomain: string;
}

/** First step of provisioning: checks the customer exists and opens its provisioning log. */
export const handler = async (event: unknown): Promise<RecordProvisioningStartedOutput> => {
  const { customerId, executionName } = Input.parse(event);
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  await appendProvisioningLog(customerId, {
    executionName,
    step: 'Record provisioning started',
    status: 'succeeded',
    at: new Date().toISOString(),
  });
  logger.info('Provisioning started', { customerId, executionName });
  return { customerId, plan: customer.plan, subdomain: customer.subdomain };
};
