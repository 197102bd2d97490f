import { route } from './http';
import { ListCustomersQuery } from './schemas';
import { parseQuery } from './validation';
import { listCustomers } from '../services/customer-directory';

/**
 * GET /admin/customers (IAM auth): find a customer by email or subdomain, or list them by status and plan,
 * newest first, a page at a time (`nextCursor`). One Query of the CustomersByStatus index per page, no Scan.
 */
export const handler = route(async ({ event }) => ({ statusCode: 200, body: await listCustomers(parseQuery(event, ListCustomersQuery)) }));
