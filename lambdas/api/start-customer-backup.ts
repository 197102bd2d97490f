import { backUpNow } from '../services/customer-backups';
import { route } from './http';
import { resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/backups (IAM auth): an on-demand backup of the customer's data volume.
 * 202: AWS Backup runs it; the same minute's requests share one job.
 */
export const handler = route(async ({ event }) => {
  const customerId = resourceIdParam(event, 'customerId', 'customer');
  return { statusCode: 202, body: await backUpNow(customerId) };
});
