import os from 'node:os';
import { loadLambdaHandler } from '../../../local/handler-loader';
import { createLambdaContext } from '../../../local/lambda-context';
import { workerModeLoader } from '../../../local/lambda-workers/loader';
import { LambdaWorkerPool, lambdaWorkersFromEnv } from '../../../local/lambda-workers/pool';
import { createTaskOverrides } from '../../../local/step-functions/lambda-tasks';
import type { WorkflowStep } from '../../../statemachines/workflows';

// Real handler modules, each loaded by tsx in a worker thread: a cold start takes a moment.
jest.setTimeout(60_000);

const healthEvent = { httpMethod: 'GET', path: '/health', headers: {}, requestContext: {} };
const context = (functionName: string) => createLambdaContext({ functionName, timeoutMs: 10_000 });

let pool: LambdaWorkerPool;
beforeEach(() => {
  pool = new LambdaWorkerPool({ maxWorkersPerFunction: 2, idleMs: 50 });
});
afterEach(() => pool.close());

describe('LambdaWorkerPool', () => {
  it('runs a handler in a worker of its own and answers with its result', async () => {
    const handler = await pool.loadHandler('api/get-health');

    const result = await handler(healthEvent, context('GetHealth'));

    expect(result).toMatchObject({ statusCode: 200 });
    expect(pool.stats()).toEqual({ 'api/get-health': 1 });
  });

  it("keeps a thrown error's name and message across the thread boundary", async () => {
    const handler = await pool.loadHandler('provisioning/launch-instance');

    const invoked = handler({ customerId: 42 }, context('LaunchInstance'));

    await expect(invoked).rejects.toMatchObject({ name: 'ZodError', message: expect.stringContaining('customerId') });
  });

  it('rejects the load of a module that does not exist, and keeps no worker for it', async () => {
    await expect(pool.loadHandler('api/no-such-handler')).rejects.toThrow(/Cannot find module/);

    await expect(pool.loadHandler('api/no-such-handler')).rejects.toThrow(/Cannot find module/);
    // The failed worker is stopped asynchronously.
    for (let i = 0; i < 100 && (pool.stats()['api/no-such-handler'] ?? 0) > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.stats()['api/no-such-handler'] ?? 0).toBe(0);
  });

  it('spreads a burst of one function over at most maxWorkersPerFunction workers, then stops the extra ones', async () => {
    const handler = await pool.loadHandler('api/get-health');

    const burst = Array.from({ length: 50 }, () => handler(healthEvent, context('GetHealth')));
    const during = pool.stats();
    const results = await Promise.all(burst);

    expect(during).toEqual({ 'api/get-health': 2 });
    expect(results.every((result) => (result as { statusCode: number }).statusCode === 200)).toBe(true);
    for (let i = 0; i < 100 && pool.stats()['api/get-health'] > 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.stats()).toEqual({ 'api/get-health': 1 });
  });

  it('fails a Step Functions task with the Lambda error name, so Retry and Catch still match', async () => {
    const step: WorkflowStep = { id: 'LaunchInstance', handler: 'provisioning/launch-instance', access: [] };
    const overrides = createTaskOverrides([{ name: 'Launch instance', state: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' } }], {
      stepsByFunctionName: new Map([[step.id, step]]),
      loadHandler: pool.loadHandler,
    });

    const invoked = overrides['Launch instance']({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:LaunchInstance', Payload: {} });

    await expect(invoked).rejects.toMatchObject({ name: 'ZodError', message: expect.stringContaining('"errorType":"ZodError"') });
  });
});

describe('lambdaWorkersFromEnv', () => {
  it.each([
    [{ STACKPRO_LAMBDA_WORKERS: '0' }, { functions: 'none', perFunction: 0 }],
    [{ STACKPRO_LAMBDA_WORKERS: '3' }, { functions: 'all', perFunction: 3 }],
    [{ STACKPRO_LAMBDA_WORKERS: 'cpu-bound' }, { functions: 'cpu-bound', perFunction: expect.any(Number) }],
  ])('reads %j', (env, expected) => {
    expect(lambdaWorkersFromEnv(env)).toEqual(expected);
  });

  it("runs every function in the stack's thread unless told otherwise", () => {
    expect(lambdaWorkersFromEnv({})).toEqual({ functions: 'none', perFunction: 0 });
  });

  it('runs the CPU-bound functions in workers, one per core (2 to 4), with cpu-bound', () => {
    expect(lambdaWorkersFromEnv({ STACKPRO_LAMBDA_WORKERS: 'cpu-bound' }).perFunction).toBe(Math.min(4, Math.max(2, os.availableParallelism())));
  });

  it.each(['-1', 'two', '1.5', '65'])('refuses STACKPRO_LAMBDA_WORKERS=%s', (value) => {
    expect(() => lambdaWorkersFromEnv({ STACKPRO_LAMBDA_WORKERS: value })).toThrow(/STACKPRO_LAMBDA_WORKERS must be "cpu-bound" or an integer from 0 to 64/);
  });
});

describe('workerModeLoader', () => {
  it('with cpu-bound runs the functions that hash passwords in workers and the others in this thread', async () => {
    const loader = workerModeLoader(lambdaWorkersFromEnv({ STACKPRO_LAMBDA_WORKERS: 'cpu-bound' }), pool);

    await loader('api/sign-up');
    const health = await loader('api/get-health');

    expect(health).toBe(await loadLambdaHandler('api/get-health'));
    expect(pool.stats()).toEqual({ 'api/sign-up': 1 });
  });

  it('runs every function in workers with STACKPRO_LAMBDA_WORKERS=N, and none with 0', async () => {
    const all = workerModeLoader(lambdaWorkersFromEnv({ STACKPRO_LAMBDA_WORKERS: '2' }), pool);
    const none = workerModeLoader(lambdaWorkersFromEnv({ STACKPRO_LAMBDA_WORKERS: '0' }), pool);

    const health = await all('api/get-health');
    const inThread = await none('api/get-health');

    expect(await health(healthEvent, context('GetHealth'))).toMatchObject({ statusCode: 200 });
    expect(inThread).toBe(await loadLambdaHandler('api/get-health'));
    expect(pool.stats()).toEqual({ 'api/get-health': 1 });
  });
});
