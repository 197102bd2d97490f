import { jsonRoute } from './http';
import { LogOutBody } from './schemas';
import { endSessionOf } from '../repositories/sessions';

/** POST /auth/logout: ends the session this refresh token belongs to; 204 whether or not it was known. */
export const handler = jsonRoute(LogOutBody, async ({ body }) => {
  await endSessionOf(body.refreshToken, Date.now());
  return { statusCode: 204 };
});
