import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteDefinition } from '../../../lambdas/api/routes';
import { createApiAdapter } from '../../../local/api-adapter';
import { concurrencyLimitsFromEnv, DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_LAMBDA_CONCURRENCY, FunctionConcurrency } from '../../../local/function-concurrency';
import type { LambdaHandler } from '../../../local/handler-loader';

/** A promise with its resolve outside, to hold invocations open as long as a test needs. */
function gate<T = void>() {
  let open: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets every queued microtask and timer callback of this turn run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('FunctionConcurrency', () => {
  it('runs at most `limit` invocations of one function at once and queues the rest in arrival order', async () => {
    const limits = new FunctionConcurrency({ perFunction: 2, account: 10 });
    const gates = Array.from({ length: 5 }, () => gate());
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limits.run('api/sign-up', async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(limits.stats()).toEqual({ account: { running: 2, waiting: 0 }, functions: { 'api/sign-up': { running: 2, waiting: 3 } } });

    gates[1].open();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0].open();
    gates[2].open();
    await flush();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3].open();
    gates[4].open();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3, 4]);
    expect(limits.stats()).toEqual({ account: { running: 0, waiting: 0 }, functions: {} });
  });

  it('gives each function its own lane: a queue for one never holds up another', async () => {
    const limits = new FunctionConcurrency({ perFunction: 1, account: 10 });
    const held = gate();
    const signup = limits.run('api/sign-up', () => held.promise);
    const queued = limits.run('api/sign-up', () => 'second signup');
    await expect(limits.run('api/get-customer-status', () => 'status')).resolves.toBe('status');
    expect(limits.stats().functions).toEqual({ 'api/sign-up': { running: 1, waiting: 1 } });
    held.open();
    await signup;
    await expect(queued).resolves.toBe('second signup');
  });

  it('frees the slot when an invocation throws, and passes the error on', async () => {
    const limits = new FunctionConcurrency({ perFunction: 1, account: 1 });
    const failing = limits.run('step', () => Promise.reject(new Error('boom')));
    const next = limits.run('step', () => 'next');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    expect(limits.stats()).toEqual({ account: { running: 0, waiting: 0 }, functions: {} });
  });

  it('wraps a loader so its handlers run through the limit (a burst of 50 never exceeds it)', async () => {
    const limits = new FunctionConcurrency({ perFunction: 3, account: 10 });
    let running = 0;
    let peak = 0;
    const handler: LambdaHandler = async (event) => {
      running += 1;
      peak = Math.max(peak, running);
      await flush();
      running -= 1;
      return event;
    };
    const load = limits.wrap(async () => handler);
    const limited = await load('provisioning/launch-instance');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => limited(i, {})));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('bounds all functions together by the account limit, each function still in arrival order', async () => {
    const limits = new FunctionConcurrency({ perFunction: 3, account: 4 });
    let running = 0;
    let peak = 0;
    const started: string[] = [];
    const invocation = (key: string, i: number) =>
      limits.run(key, async () => {
        started.push(`${key}#${i}`);
        running += 1;
        peak = Math.max(peak, running);
        await flush();
        running -= 1;
      });
    const keys = ['api/sign-up', 'api/verify-email', 'provisioning/launch-instance'];
    await Promise.all(keys.flatMap((key) => Array.from({ length: 10 }, (_, i) => invocation(key, i))));

    expect(peak).toBe(4);
    expect(started).toHaveLength(30);
    for (const key of keys) expect(started.filter((entry) => entry.startsWith(`${key}#`))).toEqual(Array.from({ length: 10 }, (_, i) => `${key}#${i}`));
  });

  it('reads STACKPRO_LAMBDA_CONCURRENCY and STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY, and refuses a value that is not a count', () => {
    expect(concurrencyLimitsFromEnv({})).toEqual({ perFunction: DEFAULT_LAMBDA_CONCURRENCY, account: DEFAULT_ACCOUNT_CONCURRENCY });
    expect(concurrencyLimitsFromEnv({ STACKPRO_LAMBDA_CONCURRENCY: '32', STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY: '64' })).toEqual({ perFunction: 32, account: 64 });
    for (const bad of ['0', '-1', '2.5', 'many', '1001']) {
      expect(() => concurrencyLimitsFromEnv({ STACKPRO_LAMBDA_CONCURRENCY: bad })).toThrow('STACKPRO_LAMBDA_CONCURRENCY');
      expect(() => concurrencyLimitsFromEnv({ STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY: bad })).toThrow('STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY');
    }
  });
});

describe('the API adapter with a concurrency limit', () => {
  const routes: RouteDefinition[] = [{ id: 'Held', method: 'GET', path: '/held', handler: 'fake/held', auth: 'public', access: [] }];
  let server: Server;
  let url: string;
  let release: () => void = () => undefined;
  let calls = 0;
  const handler: LambdaHandler = async () => {
    calls += 1;
    // The first invocation is held past the integration timeout; the ones queued behind it answer at once.
    if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
    return { statusCode: 200, body: String(calls) };
  };
  const errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);

  beforeAll(async () => {
    server = createApiAdapter({ routes, loadHandler: async () => handler, integrationTimeoutMs: 300, concurrency: new FunctionConcurrency({ perFunction: 1, account: 1 }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/held`;
  });
  afterAll(async () => {
    release();
    errorLog.mockRestore();
    await new Promise((resolve) => server.close(resolve));
  });

  it('queues a burst instead of refusing it, and starts the integration timeout when an invocation leaves the queue', async () => {
    const first = fetch(url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const queued = Array.from({ length: 5 }, () => fetch(url));
    // The first times out (504) after 300 ms while still holding its slot; the others wait for the slot,
    // not for the clock, so none of them times out although they waited longer than 300 ms in all.
    expect((await first).status).toBe(504);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const statuses = await Promise.all(queued.map(async (answer) => (await answer).status));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });
});
