import { route } from './http';
import { StartFleetUpdateBody } from './fleet-schemas';
import { parseJsonBody } from './validation';
import { startFleetUpdate } from '../services/fleet-updates';

/**
 * POST /admin/fleet-updates (IAM auth): roll app version N to all active customers, one plan or a list, at
 * most maxConcurrent at once, stopping once more than maxFailures failed. 202 with the update id; the
 * same body again is the same update (`created: false`).
 */
export const handler = route(async ({ event }) => {
  const body = parseJsonBody(event, StartFleetUpdateBody);
  const result = await startFleetUpdate(body, event.requestContext.identity?.userArn ?? 'unknown');
  return { statusCode: 202, body: result, headers: { Location: `/admin/fleet-updates/${result.updateId}` } };
});
