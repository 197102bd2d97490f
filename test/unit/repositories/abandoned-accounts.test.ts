import { randomInt } from 'node:crypto';
import { findAbandonedAccounts, removeAbandonedAccount } from '../../../lambdas/repositories/abandoned-accounts';
import { getCustomer } from '../../../lambdas/repositories/accounts';
import { keys } from '../../../lambdas/repositories/keys';
import { markVerified } from '../../../lambdas/repositories/verification-tokens';
import { getItem, pendingSignup, putItem } from './table';

/**
 * Against DynamoDB Local (the repositories project). The PendingVerification index has one partition that
 * every signup test writes to: each test here lives in an hour of its own in 1970 (nobody else signs up
 * then), so its Query up to that hour sees its own accounts first.
 */
const HOUR = 3600_000;
const anHourOfItsOwn = () => randomInt(1, 100_000) * 10 * HOUR;

async function allAbandoned(now: number, limit: number) {
  const pages: string[][] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await findAbandonedAccounts(now, limit, startKey);
    pages.push(page.customerIds);
    startKey = page.nextKey;
  } while (startKey);
  return pages;
}

describe('findAbandonedAccounts', () => {
  it('Queries the sparse index page by page, oldest first: only pending accounts past their expiry', async () => {
    const start = anHourOfItsOwn();
    const expired = [];
    for (let i = 0; i < 3; i++) expired.push(await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start - (3 - i) * 60_000 }));
    const notYet = await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start + 60_000 });
    const verified = await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start - 30_000 });
    await markVerified(verified.customer, verified.tokenHash, start - 2 * HOUR, new Date(start).toISOString());

    const pages = await allAbandoned(start, 2);

    const found = pages.flat();
    const mine = new Set([...expired, notYet, verified].map((signup) => signup.customer.customerId));
    expect(found.filter((customerId) => mine.has(customerId))).toEqual(expired.map((signup) => signup.customer.customerId));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.every((page) => page.length <= 2)).toBe(true);
  });
});

describe('removeAbandonedAccount', () => {
  it('removes the profile, email, subdomain, signup session and live verification tokens in one go', async () => {
    const start = anHourOfItsOwn();
    const signup = await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start - HOUR, tokenExpiresAt: start });
    const customer = (await getCustomer(signup.customer.customerId, { consistent: true }))!;

    expect(await removeAbandonedAccount(customer, start)).toBe(true);

    for (const key of [
      keys.customer(customer.customerId),
      keys.credentials(customer.email),
      keys.slug(signup.slug),
      keys.tokenFamily(signup.session.familyId),
      keys.refreshToken(signup.session.refreshTokenHash),
      keys.verificationToken(signup.tokenHash),
    ]) {
      expect(await getItem(key)).toBeUndefined();
    }
  });

  it('leaves an email and subdomain a new signup took over, and removes the rest', async () => {
    const start = anHourOfItsOwn();
    const signup = await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start - HOUR });
    const customer = (await getCustomer(signup.customer.customerId, { consistent: true }))!;
    await putItem({ ...keys.credentials(customer.email), type: 'credentials', customerId: 'cust-new', passwordHash: 'x' });
    await putItem({ ...keys.slug(signup.slug), type: 'slug', customerId: 'cust-new' });

    await removeAbandonedAccount(customer, start);

    expect(await getItem(keys.customer(customer.customerId))).toBeUndefined();
    expect(await getItem(keys.credentials(customer.email))).toMatchObject({ customerId: 'cust-new' });
    expect(await getItem(keys.slug(signup.slug))).toMatchObject({ customerId: 'cust-new' });
  });

  it('all or nothing: an account verified (or not yet expired) since it was read keeps everything', async () => {
    const start = anHourOfItsOwn();
    const signup = await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start - HOUR, tokenExpiresAt: start + HOUR });
    const stale = (await getCustomer(signup.customer.customerId, { consistent: true }))!;
    const young = await pendingSignup(start - 2 * HOUR, { pendingExpiresAt: start + HOUR });
    await markVerified(signup.customer, signup.tokenHash, start - HOUR - 1, new Date(start).toISOString());

    await expect(removeAbandonedAccount(stale, start)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    await expect(removeAbandonedAccount((await getCustomer(young.customer.customerId, { consistent: true }))!, start)).rejects.toMatchObject({
      name: 'TransactionCanceledException',
    });

    for (const kept of [signup, young]) {
      expect(await getItem(keys.customer(kept.customer.customerId))).toBeDefined();
      expect(await getItem(keys.credentials(kept.customer.email))).toMatchObject({ customerId: kept.customer.customerId });
      expect(await getItem(keys.slug(kept.slug))).toBeDefined();
      expect(await getItem(keys.tokenFamily(kept.session.familyId))).toBeDefined();
      expect(await getItem(keys.verificationToken(kept.tokenHash))).toBeDefined();
    }
  });
});
