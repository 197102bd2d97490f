import { handler as checkout } from '../../../lambdas/api/create-checkout-session';
import { handler as portal } from '../../../lambdas/api/create-portal-session';
import { verifiedCustomerRoute } from '../../../lambdas/api/verified-customer';
import { ROUTES } from '../../../lambdas/api/routes';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const create = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({ checkout: { sessions: { create } }, billingPortal: { sessions: { create } } }),
}));

const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const account = (status: string) => ({ customerId: 'cust-a', status }) as Customer;

beforeEach(() => {
  getCustomer.mockReset().mockResolvedValue(undefined);
  create.mockReset().mockResolvedValue({ url: 'https://stripe.test/s' });
});

describe('the EMAIL_NOT_VERIFIED guard', () => {
  it.each([['checkout', checkout], ['portal', portal]])('refuses %s with 403 before the email is verified, calling nothing', async (_label, fn) => {
    getCustomer.mockResolvedValue(account('pending_verification'));
    const res = await fn(apiEvent({ path: '/billing/x', customerId: 'cust-a' }), lambdaContext);
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.code).toBe('EMAIL_NOT_VERIFIED');
    expect(create).not.toHaveBeenCalled();
  });

  it('reads the account strongly consistent and lets a verified caller through', async () => {
    getCustomer.mockResolvedValue(account('provisioning'));
    const fn = verifiedCustomerRoute(async ({ customer }) => ({ statusCode: 200, body: { id: customer.customerId } }));
    const res = await fn(apiEvent({ path: '/x', customerId: 'cust-a' }), lambdaContext);
    expect(bodyOf(res)).toEqual({ id: 'cust-a' });
    // The caller's own account, strongly consistent: a verification just made must be seen.
    expect(getCustomer.mock.calls).toEqual([['cust-a', { consistent: true }]]);
  });

  it('answers 401 without a caller and 404 for an account that no longer exists', async () => {
    const fn = verifiedCustomerRoute(async () => ({ statusCode: 200 }));
    expect((await fn(apiEvent({ path: '/x' }), lambdaContext)).statusCode).toBe(401);
    expect(getCustomer).not.toHaveBeenCalled();
    expect((await fn(apiEvent({ path: '/x', customerId: 'gone' }), lambdaContext)).statusCode).toBe(404);
  });

  it('exempts only the status route, resend and logout-all', () => {
    const exempt = ROUTES.filter((route) => route.auth === 'customer' && route.allowUnverified).map((route) => route.id);
    expect(exempt.sort()).toEqual(['GetCustomerStatus', 'LogOutAll', 'ResendVerification']);
  });
});
