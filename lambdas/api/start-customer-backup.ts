import { backUpNow } from '../services/customer-backups';
import { route } from './http';
import { resourceIdParam } from './validation';

/**
 * POST /admin/customers/{customerId}/backups (IAM auth): an on-demand backup of the customer's data volume.
 * 202: AWS Backup runs it; the same minute's requests share one job. It takes no body: a request that sends
 * one (even `{}`) is a mistake worth a 400, not a backup.
 */
export const handler = route(async ({ event }) => {
  const customerId = resourceIdParam(event, 'customerId', 'customer');
  return { statusCode: 202, body: await backUpNow(customerId, { withBody: (event.body ?? '').trim() !== '' }) };
});
