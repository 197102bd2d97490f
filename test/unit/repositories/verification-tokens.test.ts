import { randomUUID } from 'node:crypto';
import { keys } from '../../../lambdas/repositories/keys';
import {
  deleteVerificationToken,
  getVerificationToken,
  markProvisioningStarted,
  markVerified,
  recordResend,
  undoVerification,
} from '../../../lambdas/repositories/verification-tokens';
import { BURST_TIMEOUT_MS, getItem, pendingSignup } from './table';

/** Against DynamoDB Local (the repositories project): every test with an account of its own, made by signup's createAccount. */
const NOW = Date.now();
const HOUR = 3600_000;
const TRIAL_ENDS = new Date(NOW + 14 * 24 * HOUR).toISOString();

describe('the first token (written by signup)', () => {
  it('is stored by its hash, for its customer, with a TTL an hour after it expires', async () => {
    const { customer, tokenHash } = await pendingSignup(NOW);
    const expiresAt = customer.pendingExpiresAt!;
    expect(await getItem(keys.verificationToken(tokenHash))).toEqual({
      pk: `VERIFY#${tokenHash}`,
      sk: 'VERIFY',
      type: 'verificationToken',
      customerId: customer.customerId,
      expiresAt,
      ttl: Math.floor(expiresAt / 1000) + 3600,
    });
    expect(await getVerificationToken(tokenHash)).toEqual({ customerId: customer.customerId, expiresAt, usedAt: undefined });
    expect(await getVerificationToken(`never-${randomUUID()}`)).toBeUndefined();
  });
});

describe('markVerified', () => {
  it('spends the token and moves the account to provisioning with its trial, freeing the email, subdomain and pending index', async () => {
    const { customer, slug, tokenHash } = await pendingSignup(NOW);
    expect(await markVerified(customer, tokenHash, NOW + 1, TRIAL_ENDS)).toBe(true);

    expect(await getItem(keys.verificationToken(tokenHash))).toMatchObject({ usedAt: NOW + 1 });
    const profile = await getItem(keys.customer(customer.customerId));
    expect(profile).toMatchObject({ status: 'provisioning', trialEndsAt: TRIAL_ENDS, verifiedAt: new Date(NOW + 1).toISOString(), statusChangedAt: new Date(NOW + 1).toISOString() });
    expect(profile).not.toHaveProperty('pendingIndexPk');
    expect(profile).not.toHaveProperty('pendingExpiresAt');
    expect(await getItem(keys.credentials(customer.email))).not.toHaveProperty('pendingExpiresAt');
    expect(await getItem(keys.slug(slug))).not.toHaveProperty('pendingExpiresAt');
  });

  it('the burst: of 50 clicks on one link at once, exactly one verifies', async () => {
    const { customer, tokenHash } = await pendingSignup(NOW);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => markVerified(customer, tokenHash, NOW + 1 + i, TRIAL_ENDS)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const usedAt = (await getItem(keys.verificationToken(tokenHash)))?.usedAt as number;
    expect((await getItem(keys.customer(customer.customerId)))?.verifiedAt).toBe(new Date(usedAt).toISOString());
  }, BURST_TIMEOUT_MS);

  it('refuses a used, expired, unknown or other account\'s token, and an abandoned account, changing nothing', async () => {
    const { customer, tokenHash } = await pendingSignup(NOW);
    const other = await pendingSignup(NOW);
    const expired = await pendingSignup(NOW, { tokenExpiresAt: NOW - 1 });
    const abandoned = await pendingSignup(NOW - 2 * HOUR, { pendingExpiresAt: NOW - HOUR, tokenExpiresAt: NOW + HOUR });

    expect(await markVerified(customer, other.tokenHash, NOW, TRIAL_ENDS)).toBe(false);
    expect(await markVerified(customer, `never-${randomUUID()}`, NOW, TRIAL_ENDS)).toBe(false);
    expect(await markVerified(expired.customer, expired.tokenHash, NOW, TRIAL_ENDS)).toBe(false);
    expect(await markVerified(abandoned.customer, abandoned.tokenHash, NOW, TRIAL_ENDS)).toBe(false);
    expect(await markVerified(customer, tokenHash, NOW, TRIAL_ENDS)).toBe(true);
    expect(await markVerified(customer, tokenHash, NOW + 1, TRIAL_ENDS)).toBe(false);

    // All-or-nothing: the refused transactions spent no token and changed no profile.
    for (const { customer: account, tokenHash: hash } of [other, expired, abandoned]) {
      expect(await getItem(keys.verificationToken(hash))).not.toHaveProperty('usedAt');
      expect(await getItem(keys.customer(account.customerId))).toMatchObject({ status: 'pending_verification', pendingIndexPk: 'PENDING' });
    }
  });
});

describe('undoVerification', () => {
  it('puts everything back as it was, so the same link verifies again', async () => {
    const { customer, slug, tokenHash } = await pendingSignup(NOW);
    const before = await getItem(keys.customer(customer.customerId));
    await markVerified(customer, tokenHash, NOW + 1, TRIAL_ENDS);

    await undoVerification(customer, tokenHash, NOW + 1);

    expect(await getItem(keys.customer(customer.customerId))).toEqual({ ...before, statusChangedAt: new Date(NOW + 1).toISOString() });
    expect(await getItem(keys.verificationToken(tokenHash))).not.toHaveProperty('usedAt');
    expect(await getItem(keys.credentials(customer.email))).toMatchObject({ pendingExpiresAt: customer.pendingExpiresAt });
    expect(await getItem(keys.slug(slug))).toMatchObject({ pendingExpiresAt: customer.pendingExpiresAt });
    expect(await markVerified(customer, tokenHash, NOW + 2, TRIAL_ENDS)).toBe(true);
  });

  it('undoes only its own verification: a later one (another click) is left alone, and nothing is half-undone', async () => {
    const { customer, tokenHash } = await pendingSignup(NOW);
    await markVerified(customer, tokenHash, NOW + 1, TRIAL_ENDS);
    await expect(undoVerification(customer, tokenHash, NOW + 2)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await getItem(keys.customer(customer.customerId))).toMatchObject({ status: 'provisioning' });
    expect(await getItem(keys.verificationToken(tokenHash))).toMatchObject({ usedAt: NOW + 1 });
  });
});

describe('markProvisioningStarted', () => {
  it('keeps the first start time, and creates no profile for an account that does not exist', async () => {
    const { customer } = await pendingSignup(NOW);
    await markProvisioningStarted(customer.customerId, NOW);
    await markProvisioningStarted(customer.customerId, NOW + 5);
    expect(await getItem(keys.customer(customer.customerId))).toMatchObject({ provisioningStartedAt: new Date(NOW).toISOString() });

    const missing = randomUUID();
    await expect(markProvisioningStarted(missing, NOW)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await getItem(keys.customer(missing))).toBeUndefined();
  });
});

describe('recordResend', () => {
  const token = () => ({ hash: `hash-${randomUUID()}`, expiresAt: NOW + HOUR });

  it('records the resend and stores the new token in one go, bumping the version', async () => {
    const { customer } = await pendingSignup(NOW);
    const fresh = token();
    expect(await recordResend(customer.customerId, { version: undefined, resentAt: [NOW], tokens: [...customer.verificationTokens!, fresh], token: fresh })).toBe(true);

    expect(await getItem(keys.customer(customer.customerId))).toMatchObject({
      verificationVersion: 1,
      verificationResentAt: [NOW],
      verificationTokens: [...customer.verificationTokens!, fresh],
    });
    expect(await getItem(keys.verificationToken(fresh.hash))).toMatchObject({ customerId: customer.customerId, expiresAt: fresh.expiresAt, ttl: Math.floor(fresh.expiresAt / 1000) + 3600 });
  });

  it('the burst: of 50 resends read at the same version, exactly one is recorded; the losers store no token', async () => {
    const { customer } = await pendingSignup(NOW);
    const tokens = Array.from({ length: 50 }, token);
    const results = await Promise.all(tokens.map((fresh) => recordResend(customer.customerId, { version: undefined, resentAt: [NOW], tokens: [fresh], token: fresh })));

    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = tokens[results.indexOf(true)];
    expect(await getItem(keys.customer(customer.customerId))).toMatchObject({ verificationVersion: 1, verificationTokens: [winner] });
    const stored = await Promise.all(tokens.map((fresh) => getItem(keys.verificationToken(fresh.hash))));
    expect(stored.filter(Boolean)).toHaveLength(1);
    // The next resend must read the new version.
    const next = token();
    expect(await recordResend(customer.customerId, { version: undefined, resentAt: [NOW], tokens: [next], token: next })).toBe(false);
    expect(await recordResend(customer.customerId, { version: 1, resentAt: [NOW, NOW + 1], tokens: [winner, next], token: next })).toBe(true);
    expect(await getItem(keys.customer(customer.customerId))).toMatchObject({ verificationVersion: 2, verificationResentAt: [NOW, NOW + 1] });
  }, BURST_TIMEOUT_MS);

  it('refuses an account that is no longer pending, or a token hash already stored, writing nothing', async () => {
    const { customer, tokenHash } = await pendingSignup(NOW);
    const reused = { hash: tokenHash, expiresAt: NOW + 2 * HOUR };
    expect(await recordResend(customer.customerId, { version: undefined, resentAt: [NOW], tokens: [reused], token: reused })).toBe(false);
    expect(await getItem(keys.customer(customer.customerId))).not.toHaveProperty('verificationVersion');
    expect(await getItem(keys.verificationToken(tokenHash))).toMatchObject({ expiresAt: customer.pendingExpiresAt });

    await markVerified(customer, tokenHash, NOW, TRIAL_ENDS);
    const fresh = token();
    expect(await recordResend(customer.customerId, { version: undefined, resentAt: [NOW], tokens: [fresh], token: fresh })).toBe(false);
    expect(await getItem(keys.verificationToken(fresh.hash))).toBeUndefined();
  });
});

describe('deleteVerificationToken', () => {
  it('removes that token only', async () => {
    const first = await pendingSignup(NOW);
    const second = await pendingSignup(NOW);
    await deleteVerificationToken(first.tokenHash);
    expect(await getItem(keys.verificationToken(first.tokenHash))).toBeUndefined();
    expect(await getItem(keys.verificationToken(second.tokenHash))).toBeDefined();
  });
});
