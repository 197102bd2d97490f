import { jsonRoute } from './http';
import { PasswordResetBody } from './schemas';
import { requestPasswordReset } from '../services/request-password-reset';

/** POST /auth/password-reset: always 202, so it never tells whether the email has an account. */
export const handler = jsonRoute(PasswordResetBody, async ({ body }) => {
  await requestPasswordReset(body.email);
  return { statusCode: 202, body: { message: 'If an account uses this email, a reset link is on its way.' } };
});
