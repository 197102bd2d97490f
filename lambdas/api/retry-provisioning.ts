import { route } from './http';
import { NotFoundError } from '../core/errors';
import { retryProvisioning } from '../services/retry-provisioning';

/**
 * POST /admin/customers/{customerId}/provisioning/retry (IAM auth: operators sign with their AWS
 * credentials): a fresh provisioning execution for a failed customer. 202: it runs in the background.
 */
export const handler = route(async ({ event }) => {
  const customerId = event.pathParameters?.customerId;
  if (!customerId) throw new NotFoundError('customer');
  const operator = event.requestContext.identity?.userArn ?? 'unknown';
  const result = await retryProvisioning(customerId, operator);
  return { statusCode: 202, body: result };
});
