import { jsonRoute } from './http';
import { apiUrl } from './api-url';
import { SignUpBody } from './schemas';
import { signUpCustomer } from '../services/sign-up-customer';

/**
 * POST /auth/signup: creates the account, pending email verification, and answers 201 at once. The
 * verification email is on its way; the trial (`trialEndsAt`, null until then) starts when it is verified.
 */
export const handler = jsonRoute(SignUpBody, async ({ body, event }) => {
  const { customer, tokens } = await signUpCustomer(body);
  const statusPath = `/customers/${customer.customerId}/status`;
  return {
    statusCode: 201,
    headers: { Location: apiUrl(event, statusPath) },
    body: {
      customerId: customer.customerId,
      status: customer.status,
      plan: customer.plan,
      subdomain: customer.subdomain,
      trialEndsAt: customer.trialEndsAt ?? null,
      statusUrl: apiUrl(event, statusPath),
      ...tokens,
    },
  };
});
