import { SignJWT, decodeProtectedHeader, importJWK, type CryptoKey } from 'jose';
import { generateSigningKey, publicKeySetFor, type StoredSigningKey } from '../../../lambdas/core/signing-keys';
import { hashRefreshToken, keyResolver, newRefreshToken, signAccessToken, verifyAccessToken } from '../../../lambdas/core/tokens';

const privateKeyOf = async (key: StoredSigningKey) => (await importJWK(key.privateJwk, 'ES256')) as CryptoKey;
const signWith = async (key: StoredSigningKey, ttl = 900, now?: Date) =>
  signAccessToken('cust-1', { kid: key.kid, privateKey: await privateKeyOf(key) }, ttl, now);

describe('access tokens', () => {
  let current: StoredSigningKey;
  let previous: StoredSigningKey;
  let trusted: ReturnType<typeof keyResolver>;
  beforeAll(async () => {
    [current, previous] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    trusted = keyResolver(publicKeySetFor(current, previous));
  });

  it('carry the kid of the key that signed them, and round-trip the customer id', async () => {
    const token = await signWith(current);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: current.kid, typ: 'at+jwt' });
    await expect(verifyAccessToken(token, trusted)).resolves.toBe('cust-1');
  });

  it('verify when signed with the previous key (tokens issued before a rotation)', async () => {
    await expect(verifyAccessToken(await signWith(previous), trusted)).resolves.toBe('cust-1');
  });

  it('are refused once their key has left the trusted set (two rotations later)', async () => {
    const third = await generateSigningKey();
    const afterTwoRotations = keyResolver(publicKeySetFor(third, current));
    await expect(verifyAccessToken(await signWith(previous), afterTwoRotations)).rejects.toThrow();
  });

  it('caps the lifetime at 15 minutes whatever the configuration asks', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const token = await signWith(current, 86_400, now);
    await expect(verifyAccessToken(token, trusted, new Date(now.getTime() + 899_000))).resolves.toBe('cust-1');
    await expect(verifyAccessToken(token, trusted, new Date(now.getTime() + 901_000))).rejects.toThrow();
  });

  it('refuses a token with an unknown kid', async () => {
    const unrelated = await generateSigningKey();
    await expect(verifyAccessToken(await signWith(unrelated), trusted)).rejects.toThrow(/no applicable key|matching/i);
  });

  it('refuses a token forged with an unrelated key under a trusted kid', async () => {
    const unrelated = await generateSigningKey();
    const forged = await signAccessToken('cust-1', { kid: current.kid, privateKey: await privateKeyOf(unrelated) }, 900);
    await expect(verifyAccessToken(forged, trusted)).rejects.toThrow(/signature verification failed/);
  });

  it('refuses a validly signed token without a kid, even when only one key is trusted', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setSubject('cust-1')
      .setIssuer('stackpro')
      .setAudience('stackpro-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await privateKeyOf(current));
    await expect(verifyAccessToken(token, keyResolver(publicKeySetFor(current, undefined)))).rejects.toThrow(/kid/);
  });

  it('refuses a validly signed token meant for another audience or of another type', async () => {
    const privateKey = await privateKeyOf(current);
    const base = () => new SignJWT({}).setSubject('cust-1').setIssuer('stackpro').setIssuedAt().setExpirationTime('5m');
    const wrongAudience = await base().setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'at+jwt' }).setAudience('other').sign(privateKey);
    const wrongType = await base().setProtectedHeader({ alg: 'ES256', kid: current.kid }).setAudience('stackpro-api').sign(privateKey);
    await expect(verifyAccessToken(wrongAudience, trusted)).rejects.toThrow();
    await expect(verifyAccessToken(wrongType, trusted)).rejects.toThrow();
  });

  it('refuses an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: current.kid, typ: 'at+jwt' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'cust-1', iss: 'stackpro', aud: 'stackpro-api', iat: 1, exp: 9e9 })).toString('base64url');
    await expect(verifyAccessToken(`${header}.${payload}.`, trusted)).rejects.toThrow();
  });
});

describe('refresh tokens', () => {
  it('are long random strings stored only as a hash', () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newRefreshToken()).not.toBe(token);
    expect(hashRefreshToken(token)).not.toContain(token);
    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
  });
});
