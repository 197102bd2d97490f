import { createHash } from 'node:crypto';
import { MAX_PASSWORD_CHECKS, WINDOW_MS } from '../../../lambdas/core/login-throttle';
import { clearLoginAttempts, loginAttemptsKey, reservePasswordCheck } from '../../../lambdas/repositories/login-attempts';
import { getItem, uniqueEmail } from './table';

/** Against DynamoDB Local (the repositories project): every test with emails of its own. */
const NOW = Date.now();

describe('reservePasswordCheck', () => {
  it('counts under a hash of the email, so neither the key nor the item holds the address', async () => {
    const email = uniqueEmail();
    await reservePasswordCheck(email, NOW);
    const key = { pk: `LOGINATTEMPTS#${createHash('sha256').update(email).digest('base64url')}`, sk: 'LOGINATTEMPTS' };
    expect(loginAttemptsKey(email)).toEqual(key);
    const item = await getItem(key);
    expect(item).toEqual({ ...key, used: 1, windowStartsAt: NOW, ttl: Math.floor((NOW + WINDOW_MS) / 1000) + 60 });
    expect(JSON.stringify(item)).not.toContain(email.split('@')[0]);
  });

  // The burst on one counter (at most the budget of many at once) is usage-windows.test.ts's, on the same reserveUse.
  it("allows the login budget per window, and one email's lockout leaves another's checks alone", async () => {
    const locked = uniqueEmail();
    const other = uniqueEmail();
    await Promise.all(Array.from({ length: MAX_PASSWORD_CHECKS }, () => reservePasswordCheck(locked, NOW)));
    expect(await reservePasswordCheck(locked, NOW + 1)).toEqual({ allowed: false, retryAfterMs: WINDOW_MS - 1 });
    expect(await reservePasswordCheck(other, NOW)).toEqual({ allowed: true, used: 1 });
  });
});

describe('clearLoginAttempts', () => {
  it('lifts the lockout of that email only', async () => {
    const locked = uniqueEmail();
    const other = uniqueEmail();
    await Promise.all(Array.from({ length: MAX_PASSWORD_CHECKS }, () => reservePasswordCheck(locked, NOW)));
    await reservePasswordCheck(other, NOW);

    await clearLoginAttempts(locked);

    expect(await getItem(loginAttemptsKey(locked))).toBeUndefined();
    expect(await reservePasswordCheck(locked, NOW + 1)).toEqual({ allowed: true, used: 1 });
    expect(await getItem(loginAttemptsKey(other))).toMatchObject({ used: 1 });
  });
});
