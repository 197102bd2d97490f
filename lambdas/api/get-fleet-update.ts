import { route } from './http';
import { resourceIdParam } from './validation';
import { viewOf } from '../services/fleet-updates';

/** GET /admin/fleet-updates/{updateId} (IAM auth): progress and the per-customer report of one fleet update. */
export const handler = route(async ({ event }) => ({ statusCode: 200, body: await viewOf(resourceIdParam(event, 'updateId', 'fleet update')) }));
