import { route } from './http';
import { resourceIdParam } from './validation';
import { customerDetail } from '../services/customer-detail';

/**
 * GET /admin/customers/{customerId} (IAM auth): what support needs about one customer: status, steps,
 * billing, and every workflow execution with its failed state and cause from the execution history.
 */
export const handler = route(async ({ event }) => ({ statusCode: 200, body: await customerDetail(resourceIdParam(event, 'customerId', 'customer')) }));
