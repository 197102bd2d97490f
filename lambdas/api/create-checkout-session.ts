import { verifiedCustomerRoute } from './verified-customer';
import { createCheckoutSession } from '../billing/billing-sessions';

/** POST /billing/checkout-session: for the caller's own, verified account only (the id comes from the access token). */
export const handler = verifiedCustomerRoute(async ({ customer }) => ({ statusCode: 200, body: await createCheckoutSession(customer.customerId) }));
