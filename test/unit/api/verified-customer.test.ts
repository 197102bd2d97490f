import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkout } from '../../../lambdas/api/create-checkout-session';
import { handler as portal } from '../../../lambdas/api/create-portal-session';
import { verifiedCustomerRoute } from '../../../lambdas/api/verified-customer';
import { ROUTES } from '../../../lambdas/api/routes';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const create = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({
  getStripe: async () => ({ checkout: { sessions: { create } }, billingPortal: { sessions: { create } } }),
}));

const ddb = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  ddb.reset();
  create.mockReset().mockResolvedValue({ url: 'https://stripe.test/s' });
});

describe('the EMAIL_NOT_VERIFIED guard', () => {
  it.each([['checkout', checkout], ['portal', portal]])('refuses %s with 403 before the email is verified, calling nothing', async (_label, fn) => {
    ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-a', status: 'pending_verification' } });
    const res = await fn(apiEvent({ path: '/billing/x', customerId: 'cust-a' }), lambdaContext);
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.code).toBe('EMAIL_NOT_VERIFIED');
    expect(create).not.toHaveBeenCalled();
  });

  it('reads the account strongly consistent and lets a verified caller through', async () => {
    ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-a', status: 'provisioning' } });
    const fn = verifiedCustomerRoute(async ({ customer }) => ({ statusCode: 200, body: { id: customer.customerId } }));
    const res = await fn(apiEvent({ path: '/x', customerId: 'cust-a' }), lambdaContext);
    expect(bodyOf(res)).toEqual({ id: 'cust-a' });
    expect(ddb.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ Key: { pk: 'CUSTOMER#cust-a', sk: 'PROFILE' }, ConsistentRead: true });
  });

  it('answers 401 without a caller and 404 for an account that no longer exists', async () => {
    const fn = verifiedCustomerRoute(async () => ({ statusCode: 200 }));
    expect((await fn(apiEvent({ path: '/x' }), lambdaContext)).statusCode).toBe(401);
    ddb.on(GetCommand).resolves({});
    expect((await fn(apiEvent({ path: '/x', customerId: 'gone' }), lambdaContext)).statusCode).toBe(404);
  });

  it('exempts only the status route, resend and logout-all', () => {
    const exempt = ROUTES.filter((route) => route.auth === 'customer' && route.allowUnverified).map((route) => route.id);
    expect(exempt.sort()).toEqual(['GetCustomerStatus', 'LogOutAll', 'ResendVerification']);
  });
});
