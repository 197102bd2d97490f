import {
  earliestNextRotation,
  generateSigningKey,
  MIN_ROTATION_INTERVAL_SECONDS,
  parsePublicKeySet,
  parseStoredSigningKey,
  publicKeySetFor,
} from '../../../lambdas/core/signing-keys';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '../../../lambdas/core/tokens';

describe('signing keys', () => {
  it('publish the incoming and the outgoing key, public halves only, newest first', async () => {
    const [incoming, outgoing] = await Promise.all([generateSigningKey(), generateSigningKey()]);

    const set = publicKeySetFor(incoming, outgoing);

    expect(set.keys.map((key) => key.kid)).toEqual([incoming.kid, outgoing.kid]);
    for (const key of set.keys) expect(key).not.toHaveProperty('d');
    expect(set.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', x: incoming.publicJwk.x });
  });

  it('publish one key when there is nothing to replace (or the same key twice)', async () => {
    const key = await generateSigningKey();
    expect(publicKeySetFor(key, undefined).keys).toHaveLength(1);
    expect(publicKeySetFor(key, key).keys).toHaveLength(1);
  });

  it('never publish a private half, even one that slipped into publicJwk', async () => {
    const key = await generateSigningKey();
    const leaky = { ...key, publicJwk: { ...key.publicJwk, d: key.privateJwk.d } };
    expect(publicKeySetFor(leaky, undefined).keys[0]).not.toHaveProperty('d');
  });

  it.each([
    ['the generated placeholder', 'x!Q9#placeholder'],
    ['empty', ''],
    ['JSON without a private key', JSON.stringify({ kid: 'k', publicJwk: { kid: 'k', x: 'x' } })],
    ['a private key in the public slot', JSON.stringify({ kid: 'k', privateJwk: { d: 'd' }, publicJwk: { kid: 'k', x: 'x', d: 'd' } })],
    ['a public key of another kid', JSON.stringify({ kid: 'k', privateJwk: { d: 'd' }, publicJwk: { kid: 'other', x: 'x' } })],
  ])('read %s as no key', (_case, text) => {
    expect(parseStoredSigningKey(text)).toBeUndefined();
  });

  it('read a JWKS holding a private key as no key set', async () => {
    const key = await generateSigningKey();
    expect(parsePublicKeySet(JSON.stringify({ keys: [key.privateJwk] }))).toBeUndefined();
    expect(parsePublicKeySet(JSON.stringify(publicKeySetFor(key, undefined)))?.keys).toHaveLength(1);
  });

  it('wait until every token of the retired key has expired before the next rotation', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    expect(MIN_ROTATION_INTERVAL_SECONDS).toBeGreaterThan(MAX_ACCESS_TOKEN_TTL_SECONDS + 300);
    expect(earliestNextRotation(since).getTime() - since.getTime()).toBe(MIN_ROTATION_INTERVAL_SECONDS * 1000);
  });
});
