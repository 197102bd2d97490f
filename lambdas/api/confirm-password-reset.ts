import { jsonRoute } from './http';
import { PasswordResetConfirmBody } from './schemas';
import { resetPassword } from '../services/reset-password';

/** POST /auth/password-reset/confirm: sets the new password and signs out every session; 204. */
export const handler = jsonRoute(PasswordResetConfirmBody, async ({ body }) => {
  await resetPassword(body.token, body.password);
  return { statusCode: 204 };
});
