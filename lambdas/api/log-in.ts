import { jsonRoute } from './http';
import { LogInBody } from './schemas';
import { logInCustomer } from '../services/log-in-customer';

/** POST /auth/login: a fresh session for a correct email and password. */
export const handler = jsonRoute(LogInBody, async ({ body }) => ({
  statusCode: 200,
  body: await logInCustomer(body.email, body.password),
}));
