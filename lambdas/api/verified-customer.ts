import type { z } from 'zod';
import type { Customer } from '../core/customer';
import { EmailNotVerifiedError, NotFoundError, UnauthorizedError } from '../core/errors';
import { getCustomer } from '../repositories/accounts';
import { route, type HttpRequest, type HttpResult } from './http';
import { parseJsonBody, type RequestSchema } from './validation';

export interface VerifiedCustomerRequest extends HttpRequest<undefined> {
  /** The caller's own account (the id comes from the access token), with a verified email. */
  readonly customer: Customer;
}

/**
 * The caller's account, refused with 403 EMAIL_NOT_VERIFIED until its email is verified. Read strongly
 * consistent, so a route called right after verification sees it.
 */
export async function requireVerifiedCustomer(customerId: string | undefined): Promise<Customer> {
  if (!customerId) throw new UnauthorizedError();
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) throw new NotFoundError('customer');
  if (customer.status === 'pending_verification') throw new EmailNotVerifiedError();
  return customer;
}

/**
 * A customer route that needs a verified email: every customer route but the status route and resend
 * (routes.ts marks those `allowUnverified`). New customer routes use this instead of `route`.
 */
export function verifiedCustomerRoute(fn: (request: VerifiedCustomerRequest) => Promise<HttpResult>) {
  return route(async (request) => {
    const customer = await requireVerifiedCustomer(request.event.requestContext.authorizer?.customerId as string | undefined);
    return fn({ ...request, customer });
  });
}

/**
 * `verifiedCustomerRoute` with a JSON body validated by `schema`: the account is checked first, so an
 * unverified caller gets 403 EMAIL_NOT_VERIFIED whatever the body.
 */
export function verifiedCustomerJsonRoute<S extends RequestSchema>(schema: S, fn: (request: VerifiedCustomerRequest & { readonly parsed: z.output<S> }) => Promise<HttpResult>) {
  return verifiedCustomerRoute(async (request) => fn({ ...request, parsed: parseJsonBody(request.event, schema) }));
}
