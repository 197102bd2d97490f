import { handler as checkout } from '../../../lambdas/api/create-checkout-session';
import { handler as portal } from '../../../lambdas/api/create-portal-session';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const checkoutCreate = jest.fn();
const portalCreate = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({ checkout: { sessions: { create: checkoutCreate } }, billingPortal: { sessions: { create: portalCreate } } }),
}));

// The account as the accounts repository reads it (its own tests run against DynamoDB Local).
let account: Record<string, unknown> | undefined;
const getCustomer = jest.fn(async (_customerId: string, _options?: unknown) => account);
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: [string, unknown?]) => getCustomer(...args) }));
const call = (fn: typeof checkout, customerId?: string) => fn(apiEvent({ path: '/billing/x', customerId }), lambdaContext);

beforeEach(() => {
  getCustomer.mockClear();
  account = { customerId: 'cust-1', status: 'active', billing: { stripeCustomerId: 'cus_1' } };
  checkoutCreate.mockReset().mockResolvedValue({ url: 'https://checkout.stripe.test/c/1' });
  portalCreate.mockReset().mockResolvedValue({ url: 'https://billing.stripe.test/p/1' });
});

describe('billing sessions', () => {
  it("opens Checkout in setup mode for the caller's own Stripe customer, returning to the frontend", async () => {
    const res = await call(checkout, 'cust-1');
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ url: 'https://checkout.stripe.test/c/1' });
    expect(getCustomer.mock.calls.map(([customerId]) => customerId)).toEqual(['cust-1', 'cust-1']);
    expect(checkoutCreate).toHaveBeenCalledWith(
      expect.objectContaining({ mode: 'setup', customer: 'cus_1', success_url: expect.stringMatching(/^https:\/\/app\.stackpro\.test\//) }),
    );
  });

  it("opens the portal for the caller's own Stripe customer", async () => {
    const res = await call(portal, 'cust-1');
    expect(bodyOf(res)).toEqual({ url: 'https://billing.stripe.test/p/1' });
    expect(portalCreate).toHaveBeenCalledWith({ customer: 'cus_1', return_url: 'https://app.stackpro.test/billing' });
  });

  it('answers 409 INVALID_STATE before billing is set up, and 401 without a caller', async () => {
    account = { customerId: 'cust-1', status: 'active' };
    const early = await call(portal, 'cust-1');
    expect(early.statusCode).toBe(409);
    expect(bodyOf(early).error.code).toBe('INVALID_STATE');
    expect((await call(checkout)).statusCode).toBe(401);
    expect(portalCreate).not.toHaveBeenCalled();
  });
});
