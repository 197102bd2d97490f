import { verifiedCustomerRoute } from './verified-customer';
import { createPortalSession } from '../billing/billing-sessions';

/** POST /billing/portal-session: for the caller's own, verified account only (the id comes from the access token). */
export const handler = verifiedCustomerRoute(async ({ customer }) => ({ statusCode: 200, body: await createPortalSession(customer.customerId) }));
