import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import type { Customer } from '../../../lambdas/core/customer';
import { createAccount, getCredentials, getCustomer, SlugTakenError } from '../../../lambdas/repositories/accounts';
import { keys } from '../../../lambdas/repositories/keys';
import { newSession } from '../../../lambdas/repositories/sessions';

/** Against DynamoDB Local (the repositories project): every test with emails and slugs of its own. */
const NOW = Date.now();
const HOUR = 3600_000;
const get = async (key: { pk: string; sk: string }) => (await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: key, ConsistentRead: true }))).Item;

function customer(email: string, slug: string): Customer {
  const customerId = randomUUID();
  return {
    customerId,
    provisioningExecutionName: `provision-${customerId}-1`,
    email,
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical',
    plan: 'starter',
    status: 'pending_verification',
    subdomain: `${slug}.customers.example`,
    createdAt: new Date(NOW).toISOString(),
  };
}

function signUp(email: string, slug: string, now = NOW, pendingFor = 24 * HOUR) {
  const account = customer(email, slug);
  const pending = { verificationToken: { hash: randomUUID(), expiresAt: now + pendingFor }, pendingExpiresAt: now + pendingFor, now };
  return { account, done: createAccount(account, 'hash-1', slug, newSession(now), pending) };
}

const uniqueEmail = () => `${randomUUID()}@example.com`;
const uniqueSlug = () => `s${randomUUID().slice(0, 8)}`;

describe('createAccount', () => {
  it('creates profile, credentials, slug, session and verification token in one go', async () => {
    const email = uniqueEmail();
    const { account, done } = signUp(email, uniqueSlug());
    await done;
    expect(await getCustomer(account.customerId, { consistent: true })).toMatchObject({ ...account, pendingExpiresAt: NOW + 24 * HOUR });
    expect(await getCredentials(email)).toEqual({ customerId: account.customerId, passwordHash: 'hash-1' });
  });

  it("writes the first session (family, the account's session index entry, refresh token) and verification token by hashes only", async () => {
    const session = newSession(NOW);
    const verificationToken = { hash: randomUUID(), expiresAt: NOW + HOUR };
    const second = customer(uniqueEmail(), uniqueSlug());
    await createAccount(second, 'hash-2', second.subdomain.split('.')[0], session, { verificationToken, pendingExpiresAt: NOW + 24 * HOUR, now: NOW });

    expect(await get(keys.tokenFamily(session.familyId))).toMatchObject({ customerId: second.customerId });
    expect(await get(keys.session(second.customerId, session.familyId))).toMatchObject({ familyId: session.familyId });
    expect(await get(keys.refreshToken(session.refreshTokenHash))).toMatchObject({ customerId: second.customerId, familyId: session.familyId });
    expect(await get(keys.verificationToken(verificationToken.hash))).toMatchObject({ customerId: second.customerId, expiresAt: NOW + HOUR });
    // The profile is in the sparse PendingVerification index, without a trial, and names what the clean-up removes.
    const profile = await get(keys.customer(second.customerId));
    expect(profile).toMatchObject({
      pendingIndexPk: 'PENDING',
      pendingExpiresAt: NOW + 24 * HOUR,
      signupSessionFamilyId: session.familyId,
      signupRefreshTokenHash: session.refreshTokenHash,
      verificationTokens: [verificationToken],
    });
    expect(profile).not.toHaveProperty('trialEndsAt');
    // Email and subdomain are held only until the pending account expires.
    expect(await get(keys.credentials(second.email))).toMatchObject({ pendingExpiresAt: NOW + 24 * HOUR });
    expect(await get(keys.slug(second.subdomain.split('.')[0]))).toMatchObject({ pendingExpiresAt: NOW + 24 * HOUR });
    // The refresh token's value is never stored, only its hash.
    const stored = await Promise.all([keys.customer(second.customerId), keys.tokenFamily(session.familyId), keys.session(second.customerId, session.familyId), keys.refreshToken(session.refreshTokenHash)].map(get));
    expect(JSON.stringify(stored)).not.toContain(session.refreshToken);
  });

  it('the burst: of 10 signups for one email at once, exactly one creates an account; the others are told the email is taken', async () => {
    const email = uniqueEmail();
    const attempts = Array.from({ length: 10 }, () => signUp(email, uniqueSlug()));
    const results = await Promise.allSettled(attempts.map((attempt) => attempt.done));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected').map((result) => (result as PromiseRejectedResult).reason.name)).toEqual(Array(9).fill('EmailTakenError'));
    const winner = attempts[results.findIndex((result) => result.status === 'fulfilled')].account;
    expect(await getCredentials(email)).toMatchObject({ customerId: winner.customerId });
    // Nothing half-written by the losers.
    for (const loser of attempts.filter((attempt) => attempt.account !== winner)) expect(await get(keys.customer(loser.account.customerId))).toBeUndefined();
  });

  it('tells a taken subdomain apart from a taken email, and writes nothing', async () => {
    const slug = uniqueSlug();
    await signUp(uniqueEmail(), slug).done;
    const second = signUp(uniqueEmail(), slug);
    await expect(second.done).rejects.toBeInstanceOf(SlugTakenError);
    expect(await get(keys.customer(second.account.customerId))).toBeUndefined();
    expect(await getCredentials(second.account.email)).toBeUndefined();
  });

  it('the abandoned: an unverified account past its expiry gives up its email and subdomain to a new signup', async () => {
    const email = uniqueEmail();
    const slug = uniqueSlug();
    await signUp(email, slug, NOW - 2 * HOUR, HOUR).done;
    const { account, done } = signUp(email, slug);
    await done;
    expect(await getCredentials(email)).toMatchObject({ customerId: account.customerId });
    expect(await get(keys.slug(slug))).toMatchObject({ customerId: account.customerId });
  });

  it('keeps an unverified account that has not expired yet', async () => {
    const email = uniqueEmail();
    const first = signUp(email, uniqueSlug());
    await first.done;
    await expect(signUp(email, uniqueSlug()).done).rejects.toMatchObject({ name: 'EmailTakenError' });
    expect(await getCredentials(email)).toMatchObject({ customerId: first.account.customerId });
  });
});

describe('getCustomer', () => {
  it('answers undefined for an account that does not exist, and the profile without its keys otherwise', async () => {
    expect(await getCustomer(randomUUID())).toBeUndefined();
    const { account, done } = signUp(uniqueEmail(), uniqueSlug());
    await done;
    const stored = await getCustomer(account.customerId, { consistent: true });
    expect(stored).not.toHaveProperty('pk');
    expect(stored).not.toHaveProperty('type');
  });
});
