import { customerStatus } from '../services/customer-status';
import { restoreCustomer } from '../services/customer-restore';
import { route } from './http';
import { RestoreCustomerBody } from './schemas';
import { parseJsonBody, resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/restore (IAM auth) `{recoveryPointId}`: starts the RestoreCustomer
 * workflow. 202 whether it started now (`changed: true`) or this restore was already running. An unknown
 * (or malformed) customer id is a 404 before the body is read, as on the other admin routes.
 */
export const handler = route(async ({ event }) => {
  const customerId = resourceIdParam(event, 'customerId', 'customer');
  const status = await customerStatus(customerId);
  const { recoveryPointId } = parseJsonBody(event, RestoreCustomerBody);
  const result = await restoreCustomer(customerId, recoveryPointId, new Date(), status);
  return { statusCode: 202, body: result };
});
