import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ROUTES } from '../../lambdas/api/routes';
import { call, edgeBase, emailsTo, eventually, newSignup, verificationToken, verificationTokensFor } from './api-client';
import { resend, signUp, status, verify } from './verification-calls';

/**
 * Sign up, then prove the email: over HTTP against the local stack, reading the verification emails from
 * the sandbox outbox as a person would read their inbox.
 */
const PROVISIONING_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:ProvisionCustomer';

/** The provisioning executions of one customer, as Step Functions lists them. */
async function executionsOf(customerId: string, edge = edgeBase()): Promise<string[]> {
  const sfn = new SFNClient({ endpoint: edge, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: PROVISIONING_ARN, nextToken }));
      names.push(...(page.executions ?? []).map((execution) => execution.name ?? '').filter((name) => name.includes(customerId)));
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  } finally {
    sfn.destroy();
  }
}

describe('signup leaves the account pending verification', () => {
  it('provisions nothing, starts no trial and emails one link with no text the person typed', async () => {
    const customer = await signUp(newSignup({ firstName: 'Mallory', lastName: 'Phisher', company: `Click evil.test now ${Date.now()}` }));
    expect(customer).toMatchObject({ status: 'pending_verification', trialEndsAt: null });

    const res = await status(customer);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'pending_verification',
      trialEndsAt: null,
      services: { website: 'pending_verification', crm: 'pending_verification', email: 'pending_verification' },
      billing: { stripeCustomerId: null, subscriptionStatus: null, trialEndsAt: null },
      provisioning: { steps: [], currentStep: null },
    });
    expect(await executionsOf(customer.customerId)).toEqual([]);
    const inventory = (await (await fetch(`${edgeBase()}/_sandbox/inventory?customer=${customer.customerId}`)).json()) as { instances: unknown[] };
    expect(inventory.instances).toEqual([]);

    const [email] = await eventually(async () => {
      const sent = await emailsTo(customer.email);
      return sent.length > 0 ? sent : undefined;
    });
    expect(await emailsTo(customer.email)).toHaveLength(1);
    expect(email.from).toBe('welcome@stackpro.localhost');
    const token = await verificationToken(customer.email);
    expect(email.text).toContain(`http://localhost:5173/verify-email?token=${token}`);
    expect(email.html).toContain(`http://localhost:5173/verify-email?token=${token}`);
    // The token on its own too, for a person who cannot follow the link.
    expect(email.text).toContain(`code on the StackPro verification page: ${token}`);
    for (const typed of ['Mallory', 'Phisher', 'evil.test', 'Click', customer.email]) {
      expect(`${email.subject}\n${email.text}\n${email.html}`).not.toContain(typed);
    }
  });

  it('answers 403 EMAIL_NOT_VERIFIED on every customer route but status and resend', async () => {
    const customer = await signUp();
    const guarded = ROUTES.filter((route) => route.auth === 'customer' && !route.allowUnverified);
    expect(guarded.map((route) => route.id)).toEqual(expect.arrayContaining(['CreateCheckoutSession', 'CreatePortalSession']));
    for (const route of guarded) {
      const path = route.path.replace('{customerId}', customer.customerId);
      const res = await call(route.method, path, { token: customer.accessToken, ...(route.method === 'GET' ? {} : { json: {} }) });
      expect({ route: route.id, status: res.status, code: res.body?.error?.code }).toEqual({ route: route.id, status: 403, code: 'EMAIL_NOT_VERIFIED' });
    }
  });
});

describe('POST /auth/verify-email', () => {
  it('moves the account to provisioning, starts the trial now and provisions it to active', async () => {
    const customer = await signUp();
    const before = Date.now();
    const res = await verify(await verificationToken(customer.email));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ customerId: customer.customerId, status: 'provisioning' });

    const live = await eventually(async () => {
      const s = await status(customer);
      return s.body.status === 'active' ? s.body : undefined;
    }, 30_000, 'the verified account to become active');
    const trialMs = Date.parse(live.trialEndsAt) - before;
    expect(trialMs).toBeGreaterThanOrEqual(7 * 86_400_000 - 1_000);
    expect(trialMs).toBeLessThan(7 * 86_400_000 + 60_000);
    expect(await executionsOf(customer.customerId)).toEqual([live.provisioning.executionName]);
    // Billing routes open once verified.
    expect((await call('POST', '/billing/portal-session', { token: customer.accessToken })).status).not.toBe(403);
  });

  it('answers a second click with the current status and never starts a second execution', async () => {
    const customer = await signUp();
    const token = await verificationToken(customer.email);
    expect((await verify(token)).status).toBe(200);
    const again = await verify(token);
    expect(again.status).toBe(200);
    expect(again.body.customerId).toBe(customer.customerId);
    expect(['provisioning', 'active']).toContain(again.body.status);
    expect(await executionsOf(customer.customerId)).toHaveLength(1);
  });

  it('starts exactly one execution for 50 concurrent clicks on the same link', async () => {
    const customer = await signUp();
    const token = await verificationToken(customer.email);
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(token)));
    // Every click gets a documented answer: 200 with the status, or (while another click's start is in flight) 503.
    for (const result of results) expect([200, 503]).toContain(result.status);
    expect(results.filter((result) => result.status === 200).length).toBeGreaterThanOrEqual(1);
    for (const ok of results.filter((result) => result.status === 200)) {
      expect(ok.body).toEqual({ customerId: customer.customerId, status: expect.stringMatching(/^(provisioning|active)$/) });
    }
    expect(await executionsOf(customer.customerId)).toHaveLength(1);
    await eventually(async () => ((await status(customer)).body.status === 'active' ? true : undefined), 30_000, 'active');
    expect(await executionsOf(customer.customerId)).toHaveLength(1);
  }, 60_000);

  it.each([
    ['an unknown token', 'A'.repeat(43)],
    ['a token that was never ours', 'dGhpcy1pcy1ub3QtYS10b2tlbi1qdXN0LWEtZ3Vlc3M'],
  ])('answers %s with 400 INVALID_VERIFICATION_TOKEN', async (_label, token) => {
    const res = await verify(token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_VERIFICATION_TOKEN');
  });

  it.each([
    ['no token', {}],
    ['a token that is not a string', { token: 42 }],
    ['a token with foreign characters', { token: '../../etc/passwd' }],
    ['a huge token', { token: 'x'.repeat(500) }],
    ['an extra field', { token: 'abc', customerId: 'someone' }],
  ])('answers %s with 400 VALIDATION_FAILED', async (_label, json) => {
    const res = await call('POST', '/auth/verify-email', { json });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it("verifies only the account the token was sent for (B's link never verifies A)", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const res = await verify(await verificationToken(bob.email));
    expect(res.body.customerId).toBe(bob.customerId);
    expect((await status(alice)).body.status).toBe('pending_verification');
    expect(await executionsOf(alice.customerId)).toEqual([]);
  });
});

describe('POST /auth/resend-verification', () => {
  it('sends a new link; the earlier one stays valid until it expires', async () => {
    const customer = await signUp();
    const first = await verificationToken(customer.email);
    const res = await resend(customer.accessToken);
    expect(res.status).toBe(202);
    const second = await verificationToken(customer.email, { count: 2 });
    expect(second).not.toBe(first);
    expect((await verify(first)).body.status).toBe('provisioning');
    // The second link is now answered with the current status, starting nothing new.
    expect((await verify(second)).status).toBe(200);
    expect(await executionsOf(customer.customerId)).toHaveLength(1);
  });

  it('allows 3 an hour, then answers 429 TOO_MANY_REQUESTS with Retry-After', async () => {
    const customer = await signUp();
    for (let i = 0; i < 3; i++) expect((await resend(customer.accessToken)).status).toBe(202);
    const refused = await resend(customer.accessToken);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TOO_MANY_REQUESTS');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // The signup's email plus three resends, no more.
    expect(await verificationTokensFor(customer.email)).toHaveLength(4);
  });

  it('sends at most 3 for 20 concurrent resends', async () => {
    const customer = await signUp();
    const results = await Promise.all(Array.from({ length: 20 }, () => resend(customer.accessToken)));
    expect(results.filter((result) => result.status === 202)).toHaveLength(3);
    expect(results.filter((result) => result.status === 429)).toHaveLength(17);
    await eventually(async () => ((await verificationTokensFor(customer.email)).length === 4 ? true : undefined));
  }, 30_000);

  it('answers 409 INVALID_STATE once the email is verified', async () => {
    const customer = await signUp();
    await verify(await verificationToken(customer.email));
    const res = await resend(customer.accessToken);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVALID_STATE');
    expect(await verificationTokensFor(customer.email)).toHaveLength(1);
  });

  it("resends only to the caller's own address (B's token never resends for A)", async () => {
    const alice = await signUp();
    const bob = await signUp();
    await verificationToken(alice.email);
    expect((await resend(bob.accessToken)).status).toBe(202);
    await verificationToken(bob.email, { count: 2 });
    expect(await emailsTo(alice.email)).toHaveLength(1);
  });

  it('refuses a missing or forged bearer token with 401', async () => {
    expect((await call('POST', '/auth/resend-verification')).status).toBe(401);
    expect((await resend('not.a.jwt')).body.error.code).toBe('UNAUTHORIZED');
  });
});
