import { SignJWT, generateKeyPair } from 'jose';
import { hashRefreshToken, newRefreshToken, signAccessToken, verifyAccessToken } from '../../../lambdas/core/tokens';

describe('access tokens', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
  });

  it('round-trips the customer id', async () => {
    const token = await signAccessToken('cust-1', { kid: 'k', privateKey: keys.privateKey }, 900);
    await expect(verifyAccessToken(token, keys.publicKey)).resolves.toBe('cust-1');
  });

  it('caps the lifetime at 15 minutes whatever the configuration asks', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const token = await signAccessToken('cust-1', { kid: 'k', privateKey: keys.privateKey }, 86_400, now);
    await expect(verifyAccessToken(token, keys.publicKey, new Date(now.getTime() + 899_000))).resolves.toBe('cust-1');
    await expect(verifyAccessToken(token, keys.publicKey, new Date(now.getTime() + 901_000))).rejects.toThrow();
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('ES256');
    const token = await signAccessToken('cust-1', { kid: 'k', privateKey: other.privateKey }, 900);
    await expect(verifyAccessToken(token, keys.publicKey)).rejects.toThrow();
  });

  it('refuses a validly signed token meant for another audience or of another type', async () => {
    const base = () => new SignJWT({}).setSubject('cust-1').setIssuer('stackpro').setIssuedAt().setExpirationTime('5m');
    const wrongAudience = await base().setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setAudience('other').sign(keys.privateKey);
    const wrongType = await base().setProtectedHeader({ alg: 'ES256' }).setAudience('stackpro-api').sign(keys.privateKey);
    await expect(verifyAccessToken(wrongAudience, keys.publicKey)).rejects.toThrow();
    await expect(verifyAccessToken(wrongType, keys.publicKey)).rejects.toThrow();
  });

  it('refuses an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'cust-1', iss: 'stackpro', aud: 'stackpro-api', iat: 1, exp: 9e9 })).toString('base64url');
    await expect(verifyAccessToken(`${header}.${payload}.`, keys.publicKey)).rejects.toThrow();
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
