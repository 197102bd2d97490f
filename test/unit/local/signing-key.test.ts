import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKey, parsePublicKeySet, parseStoredSigningKey } from '../../../lambdas/core/signing-keys';
import { SecretStore } from '../../../local/edge/secrets-manager';
import { JWT_PUBLIC_KEYS_SECRET_ID, SIGNING_KEY_SECRET_ID } from '../../../local/local-env';
import { ensureLocalSigningKey, LEGACY_SIGNING_KEY_FILE } from '../../../local/signing-key';

describe('the local signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const kids = (store: SecretStore) => parsePublicKeySet(store.current(JWT_PUBLIC_KEYS_SECRET_ID))?.keys.map((key) => key.kid);

  it('is made on first start, published alone, and kept on the next start', async () => {
    const store = new SecretStore(path.join(dir, 'secrets.json'));
    await ensureLocalSigningKey(store, dir);
    const key = parseStoredSigningKey(store.current(SIGNING_KEY_SECRET_ID));
    expect(kids(store)).toEqual([key?.kid]);

    const restarted = new SecretStore(path.join(dir, 'secrets.json'));
    await ensureLocalSigningKey(restarted, dir);

    expect(restarted.current(SIGNING_KEY_SECRET_ID)).toBe(store.current(SIGNING_KEY_SECRET_ID));
    expect(kids(restarted)).toEqual([key?.kid]);
  });

  it('takes over the key a data dir kept from before rotation, so its tokens still verify', async () => {
    const legacy = await generateSigningKey();
    writeFileSync(path.join(dir, LEGACY_SIGNING_KEY_FILE), JSON.stringify(legacy));
    const store = new SecretStore(path.join(dir, 'secrets.json'));

    await ensureLocalSigningKey(store, dir);

    expect(parseStoredSigningKey(store.current(SIGNING_KEY_SECRET_ID))?.kid).toBe(legacy.kid);
    expect(kids(store)).toEqual([legacy.kid]);
  });

  it('leaves a rotated key set (current and previous) as it is', async () => {
    const store = new SecretStore();
    const [current, previous] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    store.put(SIGNING_KEY_SECRET_ID, JSON.stringify(current));
    const set = JSON.stringify({ keys: [current.publicJwk, previous.publicJwk] });
    store.put(JWT_PUBLIC_KEYS_SECRET_ID, set);

    await ensureLocalSigningKey(store, dir);

    expect(store.current(JWT_PUBLIC_KEYS_SECRET_ID)).toBe(set);
  });
});
