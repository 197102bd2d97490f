import { randomUUID } from 'node:crypto';
import { InvalidResetTokenError, ServiceUnavailableError } from '../../../lambdas/core/errors';
import { RESET_TOKEN_TTL_MS } from '../../../lambdas/core/password-reset';
import { keys } from '../../../lambdas/repositories/keys';
import { loginAttemptsKey, reservePasswordCheck } from '../../../lambdas/repositories/login-attempts';
import {
  deleteResetToken,
  findUsableResetToken,
  reserveResetEmail,
  resetPasswordWithToken,
  storeResetToken,
} from '../../../lambdas/repositories/password-resets';
import { BURST_TIMEOUT_MS, getItem, putItem, uniqueEmail } from './table';

/** Against DynamoDB Local (the repositories project): every test with accounts and tokens of its own. */
const NOW = Date.now();

/** An account's credentials item, as signup writes it. */
async function account(passwordChangedAt?: number) {
  const customerId = randomUUID();
  const email = uniqueEmail();
  await putItem({ ...keys.credentials(email), type: 'credentials', customerId, passwordHash: 'old-hash', ...(passwordChangedAt ? { passwordChangedAt } : {}) });
  return { customerId, email };
}

async function issuedToken(customerId: string, issuedAt = NOW) {
  const tokenHash = `reset-${randomUUID()}`;
  await storeResetToken(tokenHash, customerId, issuedAt);
  return { tokenHash, record: (await findUsableResetToken(tokenHash, issuedAt))! };
}

describe('reserveResetEmail', () => {
  it("allows three emails per account an hour, counted in the account's own partition", async () => {
    const customerId = randomUUID();
    const otherTenant = randomUUID();
    for (let i = 1; i <= 3; i++) expect(await reserveResetEmail(customerId, NOW + i)).toEqual({ allowed: true, used: i });
    expect(await reserveResetEmail(customerId, NOW + 4)).toEqual({ allowed: false, retryAfterMs: 3600_000 - 3 });
    expect(await getItem({ pk: `CUSTOMER#${customerId}`, sk: 'RESETEMAILS' })).toMatchObject({ used: 3, windowStartsAt: NOW + 1 });
    expect(await reserveResetEmail(otherTenant, NOW)).toEqual({ allowed: true, used: 1 });
  });
});

describe('storeResetToken / findUsableResetToken', () => {
  it('stores the token by its hash for an hour, with a TTL an hour after that, and never overwrites one', async () => {
    const { customerId } = await account();
    const tokenHash = `reset-${randomUUID()}`;
    await storeResetToken(tokenHash, customerId, NOW);
    const expiresAt = NOW + RESET_TOKEN_TTL_MS;
    expect(await getItem(keys.passwordResetToken(tokenHash))).toEqual({
      pk: `RESETTOKEN#${tokenHash}`,
      sk: 'RESETTOKEN',
      type: 'passwordResetToken',
      customerId,
      issuedAt: NOW,
      expiresAt,
      ttl: Math.floor(expiresAt / 1000) + 3600,
    });
    await expect(storeResetToken(tokenHash, randomUUID(), NOW + 1)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await getItem(keys.passwordResetToken(tokenHash))).toMatchObject({ customerId, issuedAt: NOW });
  });

  it('finds a token only while it is usable: not unknown, not expired, not used', async () => {
    const { customerId, email } = await account();
    const { tokenHash } = await issuedToken(customerId);
    expect(await findUsableResetToken(tokenHash, NOW + RESET_TOKEN_TTL_MS - 1)).toEqual({ customerId, issuedAt: NOW, expiresAt: NOW + RESET_TOKEN_TTL_MS });
    expect(await findUsableResetToken(tokenHash, NOW + RESET_TOKEN_TTL_MS)).toBeUndefined();
    expect(await findUsableResetToken(`never-${randomUUID()}`, NOW)).toBeUndefined();

    await resetPasswordWithToken(tokenHash, (await findUsableResetToken(tokenHash, NOW))!, email, 'new-hash', NOW + 1);
    expect(await findUsableResetToken(tokenHash, NOW + 2)).toBeUndefined();
  });

  it('deleteResetToken removes that token', async () => {
    const { customerId } = await account();
    const { tokenHash } = await issuedToken(customerId);
    await deleteResetToken(tokenHash);
    expect(await getItem(keys.passwordResetToken(tokenHash))).toBeUndefined();
  });
});

describe('resetPasswordWithToken', () => {
  it('spends the token, sets the new hash and lifts the login lockout together', async () => {
    const { customerId, email } = await account();
    const { tokenHash, record } = await issuedToken(customerId);
    await Promise.all(Array.from({ length: 3 }, () => reservePasswordCheck(email, NOW)));
    expect(await getItem(loginAttemptsKey(email))).toBeDefined();

    await resetPasswordWithToken(tokenHash, record, email, 'new-hash', NOW + 1);

    expect(await getItem(keys.passwordResetToken(tokenHash))).toMatchObject({ usedAt: NOW + 1 });
    expect(await getItem(keys.credentials(email))).toMatchObject({ customerId, passwordHash: 'new-hash', passwordChangedAt: NOW + 1 });
    expect(await getItem(loginAttemptsKey(email))).toBeUndefined();
  });

  it('the burst: of 50 confirms with one token at once, exactly one sets its password; the others are refused', async () => {
    const { customerId, email } = await account();
    const { tokenHash, record } = await issuedToken(customerId);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => resetPasswordWithToken(tokenHash, record, email, `hash-${i}`, NOW + 1)));

    const won = results.findIndex((result) => result.status === 'fulfilled');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    // Refused as a spent token, or (still colliding after every retry) as a 503 to retry: never a 500.
    for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect([InvalidResetTokenError, ServiceUnavailableError].some((type) => result.reason instanceof type)).toBe(true);
    }
    expect(await getItem(keys.credentials(email))).toMatchObject({ passwordHash: `hash-${won}` });
  }, BURST_TIMEOUT_MS);

  it('refuses an older link (the password changed after it was issued) and spends nothing', async () => {
    const { customerId, email } = await account();
    const { tokenHash, record } = await issuedToken(customerId, NOW);
    await putItem({ ...keys.credentials(email), type: 'credentials', customerId, passwordHash: 'changed-hash', passwordChangedAt: NOW + 10 });
    await reservePasswordCheck(email, NOW);

    await expect(resetPasswordWithToken(tokenHash, record, email, 'new-hash', NOW + 20)).rejects.toBeInstanceOf(InvalidResetTokenError);

    expect(await getItem(keys.passwordResetToken(tokenHash))).not.toHaveProperty('usedAt');
    expect(await getItem(keys.credentials(email))).toMatchObject({ passwordHash: 'changed-hash' });
    expect(await getItem(loginAttemptsKey(email))).toMatchObject({ used: 1 });
  });

  it("the other tenant: a token of account A never sets account B's password", async () => {
    const a = await account();
    const b = await account();
    const { tokenHash, record } = await issuedToken(a.customerId);
    await expect(resetPasswordWithToken(tokenHash, record, b.email, 'new-hash', NOW + 1)).rejects.toBeInstanceOf(InvalidResetTokenError);
    expect(await getItem(keys.credentials(b.email))).toMatchObject({ passwordHash: 'old-hash' });
    expect(await getItem(keys.passwordResetToken(tokenHash))).not.toHaveProperty('usedAt');
  });

  it('refuses an expired token, however its record was read', async () => {
    const { customerId, email } = await account();
    const { tokenHash, record } = await issuedToken(customerId);
    await expect(resetPasswordWithToken(tokenHash, record, email, 'new-hash', NOW + RESET_TOKEN_TTL_MS)).rejects.toBeInstanceOf(InvalidResetTokenError);
    expect(await getItem(keys.credentials(email))).toMatchObject({ passwordHash: 'old-hash' });
  });
});
