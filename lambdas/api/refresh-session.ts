import { jsonRoute } from './http';
import { RefreshBody } from './schemas';
import { rotateRefreshToken } from '../repositories/sessions';
import { issueTokens } from '../services/session-tokens';

/** POST /auth/refresh: spends the refresh token and returns the next pair of the same session. */
export const handler = jsonRoute(RefreshBody, async ({ body }) => {
  const now = Date.now();
  const { customerId, session } = await rotateRefreshToken(body.refreshToken, now);
  return { statusCode: 200, body: { customerId, ...(await issueTokens(customerId, session, new Date(now))) } };
});
