import { SignJWT } from 'jose';
import { handler } from '../../../lambdas/api/authorize-customer';
import { signAccessToken } from '../../../lambdas/core/tokens';
import { useTestSigningKey } from '../helpers/signing-key';

const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/customers/cust-1/status';
const authorize = (authorizationToken: string) => handler({ type: 'TOKEN', authorizationToken, methodArn });
let key: Awaited<ReturnType<typeof useTestSigningKey>>;

beforeAll(async () => {
  key = await useTestSigningKey();
});

describe('customer authorizer', () => {
  it('allows a valid bearer token and passes the customer id to the handler', async () => {
    const token = await signAccessToken('cust-1', { kid: key.kid, privateKey: key.privateKey }, 900);
    const result = await authorize(`Bearer ${token}`);
    expect(result.principalId).toBe('cust-1');
    expect(result.context).toEqual({ customerId: 'cust-1' });
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:000000000000:abc123/prod/*' },
    ]);
  });

  it.each([
    ['no scheme', async () => 'just-a-token'],
    ['another scheme', async () => 'Basic dXNlcjpwYXNz'],
    ['garbage', async () => 'Bearer not.a.jwt'],
    ['an expired token', async () => `Bearer ${await signAccessToken('cust-1', { kid: key.kid, privateKey: key.privateKey }, 900, new Date(Date.now() - 3_600_000))}`],
    [
      'a forged token (HS256 with the public key as secret)',
      async () =>
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setSubject('cust-1').setIssuer('stackpro').setAudience('stackpro-api').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(process.env.JWT_PUBLIC_JWK))}`,
    ],
  ])('refuses %s with Unauthorized (API Gateway answers 401)', async (_label, header) => {
    await expect(authorize(await header())).rejects.toThrow('Unauthorized');
  });
});
