import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTH_RATE_LIMITED_PATHS, CLIENT_RATE_RULES, type ClientRateRule } from '../../../lambdas/api/client-rate-limits';
import type { RouteDefinition } from '../../../lambdas/api/routes';
import { createApiAdapter } from '../../../local/api-adapter';
import { ClientRateLimiter, clientAddress, rateLimitSettingsFromEnv } from '../../../local/api-gateway/rate-limiter';

const AUTH = CLIENT_RATE_RULES.find((rule) => rule.pathPrefixes)!;
const ALL = CLIENT_RATE_RULES.find((rule) => !rule.pathPrefixes)!;

describe('ClientRateLimiter (the shared WAF rules, per client address)', () => {
  let now = 1_000_000;
  const limiter = () => new ClientRateLimiter(CLIENT_RATE_RULES, () => now);

  it('allows the auth limit per address, then refuses with the seconds left in the window', () => {
    const subject = limiter();
    for (let i = 0; i < AUTH.limit; i++) expect(subject.check('198.51.100.1', '/auth/login').allowed).toBe(true);
    now += 10_000;
    expect(subject.check('198.51.100.1', '/auth/password-reset/confirm')).toEqual({ allowed: false, retryAfterSeconds: AUTH.windowSeconds - 10 });
    // Another address, and a non-auth route from the same address, are not refused by the auth rule.
    expect(subject.check('198.51.100.2', '/auth/login').allowed).toBe(true);
    expect(subject.check('198.51.100.1', '/customers/c-1/status').allowed).toBe(true);
    // Once the window ends, the address starts afresh.
    now += AUTH.windowSeconds * 1000;
    expect(subject.check('198.51.100.1', '/auth/login').allowed).toBe(true);
  });

  it('counts every route against the looser rule', () => {
    const subject = limiter();
    for (let i = 0; i < ALL.limit; i++) expect(subject.check('198.51.100.3', '/customers/c-1/status').allowed).toBe(true);
    expect(subject.check('198.51.100.3', '/health').allowed).toBe(false);
    expect(subject.check('198.51.100.3', '/auth/login').allowed).toBe(false);
  });

  it('treats exactly the auth routes (and their sub-paths) as auth', () => {
    const subject = new ClientRateLimiter([{ ...AUTH, limit: 1 } satisfies ClientRateRule], () => now);
    for (const path of AUTH_RATE_LIMITED_PATHS) {
      const address = `auth-${path}`;
      subject.check(address, path);
      expect(subject.check(address, path).allowed).toBe(false);
    }
    for (const path of ['/auth/logout', '/auth/logout-all', '/billing/checkout-session', '/health']) {
      subject.check(`other-${path}`, path);
      expect(subject.check(`other-${path}`, path).allowed).toBe(true);
    }
  });
});

describe('rateLimitSettingsFromEnv', () => {
  it('is on unless STACKPRO_RATE_LIMIT=off, and trusts X-Forwarded-For only when told', () => {
    expect(rateLimitSettingsFromEnv({})).toEqual({ enabled: true, trustForwardedFor: false });
    expect(rateLimitSettingsFromEnv({ STACKPRO_RATE_LIMIT: 'off' })).toEqual({ enabled: false, trustForwardedFor: false });
    expect(rateLimitSettingsFromEnv({ STACKPRO_RATE_LIMIT: 'on', STACKPRO_TRUST_X_FORWARDED_FOR: 'true' })).toEqual({ enabled: true, trustForwardedFor: true });
  });

  it('refuses a value it does not know instead of guessing', () => {
    expect(() => rateLimitSettingsFromEnv({ STACKPRO_RATE_LIMIT: 'of' })).toThrow('STACKPRO_RATE_LIMIT must be "on" or "off"');
    expect(() => rateLimitSettingsFromEnv({ STACKPRO_TRUST_X_FORWARDED_FOR: 'yes' })).toThrow('STACKPRO_TRUST_X_FORWARDED_FOR');
  });
});

describe('clientAddress', () => {
  const req = (forwarded?: string) => ({ headers: forwarded ? { 'x-forwarded-for': forwarded } : {}, socket: { remoteAddress: '::ffff:127.0.0.1' } });

  it('uses the TCP peer unless X-Forwarded-For is trusted', () => {
    expect(clientAddress(req('203.0.113.7') as never, false)).toBe('127.0.0.1');
  });

  it('when trusted, uses the last entry: the one our proxy added, not whatever the client claimed before it', () => {
    expect(clientAddress(req('6.6.6.6, 203.0.113.7') as never, true)).toBe('203.0.113.7');
    expect(clientAddress(req() as never, true)).toBe('127.0.0.1');
  });
});

describe('the local API adapter with rate limits on', () => {
  const routes: RouteDefinition[] = [{ id: 'LogIn', method: 'POST', path: '/auth/login', handler: 'fake/login', auth: 'public', access: [] }];
  let server: Server;
  let baseUrl: string;
  let handled = 0;

  async function start(trustForwardedFor: boolean): Promise<void> {
    handled = 0;
    server = createApiAdapter({
      routes,
      loadHandler: async () => async () => {
        handled += 1;
        return { statusCode: 401, body: '{}' };
      },
      frontendOrigin: 'http://localhost:5173',
      rateLimit: { enabled: true, trustForwardedFor },
      rateLimiter: new ClientRateLimiter([{ name: 'AuthRoutesPerClientIp', limit: 2, windowSeconds: 300, pathPrefixes: ['/auth/login'] }]),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const logIn = (forwardedFor?: string) =>
    fetch(`${baseUrl}/auth/login`, { method: 'POST', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}, body: '{}' });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers 429 TOO_MANY_REQUESTS with Retry-After before the handler runs, ignoring an untrusted X-Forwarded-For', async () => {
    await start(false);
    await logIn('192.0.2.1');
    await logIn('192.0.2.2');
    const refused = await logIn('192.0.2.3');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(290);
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_REQUESTS');
    expect(handled).toBe(2);
  });

  it('counts per forwarded address when X-Forwarded-For is trusted', async () => {
    await start(true);
    for (const address of ['192.0.2.1', '192.0.2.1', '192.0.2.2', '192.0.2.2']) expect((await logIn(address)).status).toBe(401);
    expect((await logIn('192.0.2.1')).status).toBe(429);
    expect(handled).toBe(4);
  });
});

