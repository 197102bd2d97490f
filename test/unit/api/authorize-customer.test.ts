import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SignJWT, importJWK, type CryptoKey } from 'jose';
import { handler } from '../../../lambdas/api/authorize-customer';
import { generateSigningKey, type StoredSigningKey } from '../../../lambdas/core/signing-keys';
import { signAccessToken } from '../../../lambdas/core/tokens';
import { serveKeys, useTestSigningKey } from '../helpers/signing-key';

const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/customers/cust-1/status';
const authorize = (authorizationToken: string) => handler({ type: 'TOKEN', authorizationToken, methodArn });
const tokenFrom = async (key: StoredSigningKey, kid = key.kid) =>
  signAccessToken('cust-1', { kid, privateKey: (await importJWK(key.privateJwk, 'ES256')) as CryptoKey }, 900);
let env: Awaited<ReturnType<typeof useTestSigningKey>>;
const publicKeyReads = () =>
  env.secrets.commandCalls(GetSecretValueCommand).filter((call) => call.args[0].input.SecretId === process.env.JWT_PUBLIC_KEYS_SECRET_ID).length;

// The key set is cached (and forced refreshes rate-limited) by wall clock: each test starts ten minutes
// after the last, so none inherits another's cache. Only Date is faked; timers run for real.
jest.useFakeTimers({
  doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
});

beforeAll(async () => {
  env = await useTestSigningKey();
});
beforeEach(() => {
  jest.setSystemTime(Date.now() + 600_000);
  serveKeys(env.secrets, env.current);
  env.secrets.resetHistory();
});

describe('customer authorizer', () => {
  it('allows a valid bearer token and passes the customer id to the handler', async () => {
    const result = await authorize(`Bearer ${await tokenFrom(env.current)}`);
    expect(result.principalId).toBe('cust-1');
    expect(result.context).toEqual({ customerId: 'cust-1' });
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:000000000000:abc123/prod/*' },
    ]);
  });

  it('never reads the private key', async () => {
    await authorize(`Bearer ${await tokenFrom(env.current)}`);
    const read = env.secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(read).toEqual([process.env.JWT_PUBLIC_KEYS_SECRET_ID]);
  });

  it('after a rotation, accepts tokens of the new key at once (one re-read) and of the previous key', async () => {
    // Arrange: the set is cached with the old key alone, then the key rotates.
    const before = await tokenFrom(env.current);
    await authorize(`Bearer ${before}`);
    const rotated = await generateSigningKey();
    serveKeys(env.secrets, rotated, env.current);
    env.secrets.resetHistory();

    // Act + Assert: the new kid is a cache miss that forces one re-read; the old token still verifies.
    await expect(authorize(`Bearer ${await tokenFrom(rotated)}`)).resolves.toMatchObject({ principalId: 'cust-1' });
    await expect(authorize(`Bearer ${before}`)).resolves.toMatchObject({ principalId: 'cust-1' });
    expect(publicKeyReads()).toBe(1);
  });

  it('lets 50 concurrent requests with the new key through with a single re-read', async () => {
    await authorize(`Bearer ${await tokenFrom(env.current)}`);
    const rotated = await generateSigningKey();
    serveKeys(env.secrets, rotated, env.current);
    env.secrets.resetHistory();
    const token = await tokenFrom(rotated);

    const results = await Promise.allSettled(Array.from({ length: 50 }, () => authorize(`Bearer ${token}`)));

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(publicKeyReads()).toBe(1);
  });

  it('refuses a key two rotations old', async () => {
    const old = await tokenFrom(env.current);
    const [second, third] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    serveKeys(env.secrets, third, second);
    await expect(authorize(`Bearer ${old}`)).rejects.toThrow('Unauthorized');
  });

  it('refuses unknown kids, re-reading the set at most once per cooldown', async () => {
    const strangers = await Promise.all(Array.from({ length: 5 }, () => generateSigningKey()));
    for (const stranger of strangers) {
      await expect(authorize(`Bearer ${await tokenFrom(stranger)}`)).rejects.toThrow('Unauthorized');
    }
    // One read to fill the cache, one forced re-read for the first stranger, none for the rest.
    expect(publicKeyReads()).toBe(2);
  });

  it('refuses a token it has verified before once that token expires', async () => {
    const token = await tokenFrom(env.current);
    await expect(authorize(`Bearer ${token}`)).resolves.toMatchObject({ principalId: 'cust-1' });
    jest.setSystemTime(Date.now() + 899_000);
    await expect(authorize(`Bearer ${token}`)).resolves.toMatchObject({ principalId: 'cust-1' });

    jest.setSystemTime(Date.now() + 1_000);

    await expect(authorize(`Bearer ${token}`)).rejects.toThrow('Unauthorized');
  });

  it('refuses a token it has verified before once a rotation dropped its key from the set', async () => {
    const token = await tokenFrom(env.current);
    await expect(authorize(`Bearer ${token}`)).resolves.toMatchObject({ principalId: 'cust-1' });
    const [second, third] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    serveKeys(env.secrets, third, second);

    // Once the cached key set is stale (60 s), the new set is read and the token's key is not in it.
    jest.setSystemTime(Date.now() + 61_000);

    await expect(authorize(`Bearer ${token}`)).rejects.toThrow('Unauthorized');
  });

  it('answers 500 (not 401) when the public keys cannot be read: our outage, not a bad token', async () => {
    env.secrets.on(GetSecretValueCommand, { SecretId: process.env.JWT_PUBLIC_KEYS_SECRET_ID }).resolves({ SecretString: 'not a key set' });
    await expect(authorize(`Bearer ${await tokenFrom(env.current)}`)).rejects.toThrow(/holds no key set/);
  });

  it.each([
    ['no scheme', async () => 'just-a-token'],
    ['another scheme', async () => 'Basic dXNlcjpwYXNz'],
    ['garbage', async () => 'Bearer not.a.jwt'],
    ['an expired token', async () => `Bearer ${await signAccessToken('cust-1', { kid: env.kid, privateKey: env.privateKey }, 900, new Date(Date.now() - 3_600_000))}`],
    ['a token forged with an unrelated key under the current kid', async () => `Bearer ${await tokenFrom(await generateSigningKey(), env.kid)}`],
    ['a token with an unknown kid', async () => `Bearer ${await tokenFrom(await generateSigningKey())}`],
    [
      'a token without a kid',
      async () =>
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setSubject('cust-1').setIssuer('stackpro').setAudience('stackpro-api').setIssuedAt().setExpirationTime('5m').sign(env.privateKey)}`,
    ],
    [
      'a forged token (HS256 with the public key as secret)',
      async () =>
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: env.kid, typ: 'at+jwt' }).setSubject('cust-1').setIssuer('stackpro').setAudience('stackpro-api').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(JSON.stringify(env.current.publicJwk)))}`,
    ],
  ])('refuses %s with Unauthorized (API Gateway answers 401)', async (_label, header) => {
    await expect(authorize(await header())).rejects.toThrow('Unauthorized');
  });
});
