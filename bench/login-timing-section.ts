import { performance } from 'node:perf_hooks';
import type { BenchStack } from './local-stack';
import { round, summarize, type LatencySummary } from './stats';
import { printTable } from './table';

/**
 * Login timing as an attacker probing for registered emails sees it: the first wrong password for a real
 * account against an unknown email, interleaved one request at a time. Both must cost one argon2id verify
 * (the unknown email against a dummy hash), the same reads and writes, and answer the same 401.
 */
export interface LoginTimingResult {
  readonly wrongPassword: LatencySummary;
  readonly unknownEmail: LatencySummary;
  readonly bodiesIdentical: boolean;
  readonly statuses: Record<string, number>;
}

async function post(apiUrl: string, path: string, body: unknown): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

export async function benchLoginTiming(stack: BenchStack, attemptsEach: number): Promise<LoginTimingResult> {
  const tag = Date.now();
  const accounts = Array.from({ length: attemptsEach }, (_, i) => `timing-${tag}-${i}@example.com`);
  // One fresh account per attempt, signed up 8 at a time, then left to finish provisioning.
  for (let start = 0; start < accounts.length; start += 8) {
    await Promise.all(
      accounts.slice(start, start + 8).map(async (email, j) => {
        const res = await post(stack.apiUrl, '/auth/signup', {
          firstName: 'Tim',
          lastName: 'Ing',
          email,
          company: `Timing ${tag} ${start + j}`,
          password: 'the right password 123',
          plan: 'starter',
        });
        if (res.status !== 201) throw new Error(`signup for the timing accounts answered ${res.status}: ${res.text.slice(0, 200)}`);
      }),
    );
  }
  // Warm both paths so neither pays a cold start in the measurement.
  await post(stack.apiUrl, '/auth/login', { email: `warm-${tag}@example.com`, password: 'not the password' });
  const wrong: number[] = [];
  const unknown: number[] = [];
  const bodies = new Set<string>();
  const statuses: Record<string, number> = {};
  for (let i = 0; i < attemptsEach; i++) {
    const attempts = [
      () => post(stack.apiUrl, '/auth/login', { email: accounts[i], password: `wrong password ${i}` }).then((r) => ({ r, into: wrong })),
      () => post(stack.apiUrl, '/auth/login', { email: `nobody-${tag}-${i}@example.com`, password: `wrong password ${i}` }).then((r) => ({ r, into: unknown })),
    ];
    // Alternate which goes first, so drift over the run affects both alike.
    for (const attempt of i % 2 === 0 ? attempts : attempts.reverse()) {
      const { r, into } = await attempt();
      into.push(r.ms);
      bodies.add(r.text);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  }
  return { wrongPassword: summarize(wrong), unknownEmail: summarize(unknown), bodiesIdentical: bodies.size === 1, statuses };
}

export function printLoginTimingReport(result: LoginTimingResult): { summary: Record<string, unknown>; failed: string[] } {
  const row = (label: string, s: LatencySummary) => [label, s.count, round(s.p50), round(s.p99), round(s.mean), round(s.min)];
  printTable(
    '8. Login timing: first wrong password for a real account vs an unknown email (one at a time, interleaved)',
    [{ title: 'login' }, { title: 'requests', digits: 0 }, { title: 'p50 ms' }, { title: 'p99 ms' }, { title: 'mean ms' }, { title: 'min ms' }],
    [row('first wrong password, real account', result.wrongPassword), row('unknown email (dummy hash)', result.unknownEmail)],
  );
  const ratioP50 = round(result.unknownEmail.p50 / result.wrongPassword.p50, 3);
  const ratioMean = round(result.unknownEmail.mean / result.wrongPassword.mean, 3);
  console.log(`   unknown/wrong: p50 ${ratioP50}x, mean ${ratioMean}x; statuses ${JSON.stringify(result.statuses)}; response bodies identical: ${result.bodiesIdentical}`);
  const failed: string[] = [];
  if (!result.bodiesIdentical) failed.push('login failures answered different bodies');
  if (Object.keys(result.statuses).some((status) => status !== '401')) failed.push(`login failures answered ${JSON.stringify(result.statuses)}, expected only 401`);
  return {
    summary: { loginTiming: { wrongP50: round(result.wrongPassword.p50), unknownP50: round(result.unknownEmail.p50), ratioP50, ratioMean } },
    failed,
  };
}
