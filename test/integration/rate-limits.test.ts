import { CLIENT_RATE_RULES } from '../../lambdas/api/client-rate-limits';
import { call, type ApiResponse } from './api-client';
import { sharedLocalStack, startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * Per-client rate limits as `npm start` runs them: on by default (every other integration stack turns
 * them off). Each stack here is its own, so its counters start empty; "off" is proven on the shared stack.
 */
const AUTH = CLIENT_RATE_RULES.find((rule) => rule.name === 'AuthRoutesPerClientIp')!;

/** A cheap auth route: a refresh with a token that was never issued is one GetItem and a 401. */
const bogusRefresh = (base: string, forwardedFor?: string) =>
  call('POST', '/auth/refresh', {
    base,
    json: { refreshToken: 'never-issued-token' },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });

/** Sends `total` requests, `concurrency` at a time (a burst, without overwhelming the 2-core machine). */
async function burst(total: number, send: (i: number) => Promise<ApiResponse>, concurrency = 20): Promise<ApiResponse[]> {
  const results: ApiResponse[] = [];
  for (let start = 0; start < total; start += concurrency) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, total - start) }, (_, i) => send(start + i)))));
  }
  return results;
}

describe('per-client rate limits on the local stack (as npm start runs it)', () => {
  let stack: LocalStackProcess | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('refuses the auth routes past the shared threshold with 429 TOO_MANY_REQUESTS and Retry-After; X-Forwarded-For is ignored', async () => {
    // Unset, as in a developer's shell: the default is on.
    stack = await startLocalStackProcess({ env: { STACKPRO_RATE_LIMIT: '', STACKPRO_TRUST_X_FORWARDED_FOR: '' } });
    expect(stack.output()).toContain('rate limits:        on per remote address');
    const base = stack.apiUrl;

    // Every request claims a different address; untrusted, the header changes nothing.
    const allowed = await burst(AUTH.limit, (i) => bogusRefresh(base, `198.51.100.${i % 250}`));
    expect(allowed.map((res) => res.status)).toEqual(allowed.map(() => 401));

    const refused = await bogusRefresh(base, '203.0.113.99');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: { code: 'TOO_MANY_REQUESTS', message: expect.any(String) } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(AUTH.windowSeconds);
    // Every auth route shares the budget; the other routes are under the looser rule.
    expect((await call('POST', '/auth/login', { base, json: { email: 'a@example.com', password: 'whatever it is' } })).status).toBe(429);
    expect((await call('POST', '/auth/password-reset', { base, json: { email: 'a@example.com' } })).status).toBe(429);
    expect((await call('GET', '/health', { base })).status).toBe(200);
  }, 60_000);

  it('counts per forwarded address when STACKPRO_TRUST_X_FORWARDED_FOR=true', async () => {
    stack = await startLocalStackProcess({ env: { STACKPRO_RATE_LIMIT: 'on', STACKPRO_TRUST_X_FORWARDED_FOR: 'true' } });
    expect(stack.output()).toContain('rate limits:        on per X-Forwarded-For (trusted)');
    const base = stack.apiUrl;

    const first = await burst(AUTH.limit, () => bogusRefresh(base, '198.51.100.1'));
    expect(first.map((res) => res.status)).toEqual(first.map(() => 401));
    expect((await bogusRefresh(base, '198.51.100.1')).status).toBe(429);
    // A client cannot borrow another's budget by prepending an address: the proxy's (last) entry counts.
    expect((await bogusRefresh(base, '198.51.100.2, 198.51.100.1')).status).toBe(429);
    expect((await bogusRefresh(base, '198.51.100.2')).status).toBe(401);
  }, 60_000);

  it('STACKPRO_RATE_LIMIT=off lets a burst through', async () => {
    // The shared stack runs with STACKPRO_RATE_LIMIT=off (test/integration/global-setup.ts): a stack start saved.
    const { apiUrl } = sharedLocalStack();
    const results = await burst(AUTH.limit + 20, () => bogusRefresh(apiUrl));
    expect(results.map((res) => res.status)).toEqual(results.map(() => 401));
  }, 60_000);
});
