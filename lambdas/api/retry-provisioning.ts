import { route } from './http';
import { retryProvisioning } from '../services/retry-provisioning';
import { resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/provisioning/retry (IAM auth: operators sign with their AWS
 * credentials): a fresh provisioning execution for a failed customer. 202: it runs in the background.
 */
export const handler = route(async ({ event }) => {
  const customerId = resourceIdParam(event, 'customerId', 'customer');
  const operator = event.requestContext.identity?.userArn ?? 'unknown';
  const result = await retryProvisioning(customerId, operator);
  return { statusCode: 202, body: result };
});
