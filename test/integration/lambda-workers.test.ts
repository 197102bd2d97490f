import { ROUTES } from '../../lambdas/api/routes';
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { type LocalStackProcess, startLocalStackProcess } from './local-stack-process';

/**
 * With STACKPRO_LAMBDA_WORKERS=cpu-bound the local stack runs the functions that hash passwords (sign-up here)
 * in worker threads of their own and the others (the workflow steps, the status route) in its own thread, as
 * by default, each invocation in its own scope: either way a log line carries the context of the function
 * that wrote it, never another's.
 * Its own stack with warnings logged (the shared one logs errors only), and a fault that makes a step warn.
 */
let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({ env: { STACKPRO_LAMBDA_WORKERS: 'cpu-bound', LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'WARN' } });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

interface LogLine {
  readonly level?: string;
  readonly message?: string;
  readonly function_name?: string;
  readonly customerId?: string;
  readonly [key: string]: unknown;
}

/** The stack's structured (Powertools) log lines so far. */
function logLines(): LogLine[] {
  return stack
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
}

describe('Lambda functions with cpu-bound workers: sign-up in worker threads, the steps in the stack thread', () => {
  it("logs a step's warning with the step's own function name, not the last API handler's", async () => {
    // Three throttling errors outlast the SDK's own retries (3 attempts): the step fails once and warns.
    const fault = await fetch(`${stack.edgeUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'ec2', action: 'RunInstances', error: 'RequestLimitExceeded', times: 3 }),
    });
    expect(fault.status).toBe(201);

    const signup = await signUpVerified(newSignup(), { base: stack.apiUrl, edge: stack.edgeUrl });
    const { customerId, accessToken } = signup.body as { customerId: string; accessToken: string };
    // API calls in between: under one shared module scope, the step's line would name the last of these.
    await call('GET', `/customers/${customerId}/status`, { token: accessToken, base: stack.apiUrl });

    const warning = await eventually(
      async () => logLines().find((line) => line.message === 'Provisioning step failed' && line.customerId === customerId),
      60_000,
      'the failed step to log its warning',
    );

    expect(warning).toMatchObject({ level: 'WARN', function_name: 'LaunchInstance' });
    const apiFunctions = new Set([...ROUTES.map((route) => route.id), 'CustomerAuthorizer']);
    const stepNames = logLines()
      .filter((line) => line.message === 'Provisioning step failed')
      .map((line) => line.function_name);
    expect(stepNames.filter((name) => name === undefined || apiFunctions.has(name))).toEqual([]);
  }, 90_000);
});
