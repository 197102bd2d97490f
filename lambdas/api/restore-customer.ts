import { restoreCustomer } from '../services/customer-restore';
import { jsonRoute } from './http';
import { RestoreCustomerBody } from './schemas';
import { resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/restore (IAM auth) `{recoveryPointId}`: starts the RestoreCustomer
 * workflow. 202 whether it started now (`changed: true`) or this restore was already running.
 */
export const handler = jsonRoute(RestoreCustomerBody, async ({ body, event }) => {
  const result = await restoreCustomer(resourceIdParam(event, 'customerId', 'customer'), body.recoveryPointId);
  return { statusCode: 202, body: result };
});
