import * as z from 'zod/mini';
import { route } from '../../../lambdas/api/http';
import { logger } from '../../../lambdas/observability';
import { StepContext, workflowStep } from '../../../lambdas/workflows/step-kit';
import { createLambdaContext } from '../../../local/lambda-context';
import { LOCAL_LAMBDA_MAX_CONCURRENCY, invocationStore, runInvocation } from '../../../local/invocation-scope';
import { apiEvent } from '../helpers/events';

// The step records its progress; the step log is not what this test is about.
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: async () => undefined }));

/** A gate a handler waits at, so two invocations interleave exactly as the test says. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The JSON log lines the logger writes while `run` runs (warnings go to stderr, info to stdout). */
async function capturedLogs(run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines.flatMap((line) => line.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('local invocations: each log line carries the context of the function that wrote it', () => {
  beforeAll(async () => {
    // What the local stack does before any handler loads (local/local-env.ts, local/stack.ts).
    invocationStore();
    process.env.AWS_LAMBDA_MAX_CONCURRENCY = LOCAL_LAMBDA_MAX_CONCURRENCY;
    logger.setLogLevel('INFO');
  });
  afterAll(() => {
    logger.setLogLevel('SILENT');
    delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    delete (globalThis as { awslambda?: unknown }).awslambda;
  });

  it("a step's warning carries the step's function name while an API request runs in the same thread", async () => {
    const stepMayFail = gate();
    const apiMayAnswer = gate();
    const step = workflowStep(z.extend(StepContext, { fail: z.boolean() }), async () => {
      await stepMayFail.opened;
      throw Object.assign(new Error('capacity'), { name: 'InsufficientInstanceCapacity' });
    });
    const api = route(async () => {
      logger.info('API request handled');
      await apiMayAnswer.opened;
      return { statusCode: 200, body: {} };
    });
    const stepContext = createLambdaContext({ functionName: 'StepFakeStep', timeoutMs: 10_000, awsRequestId: 'step-request' });
    const apiContext = createLambdaContext({ functionName: 'GetCustomerStatus', timeoutMs: 10_000, awsRequestId: 'api-request' });

    const logs = await capturedLogs(async () => {
      // The step starts first; an API request sets its context while the step waits; then the step fails.
      const stepRun = runInvocation('step-request', () => step({ customerId: 'c-1', executionName: 'e-1', stepName: 'Fake step', fail: true }, stepContext)).catch((error: Error) => error);
      const apiRun = runInvocation('api-request', () => api(apiEvent({ path: '/status' }), apiContext));
      await new Promise((resolve) => setImmediate(resolve));
      stepMayFail.open();
      expect(await stepRun).toMatchObject({ name: 'InsufficientInstanceCapacity' });
      apiMayAnswer.open();
      await apiRun;
    });

    const byMessage = Object.fromEntries(logs.map((line) => [line.message, line]));
    expect(byMessage['Provisioning step failed']).toMatchObject({ function_name: 'StepFakeStep', function_request_id: 'step-request' });
    expect(byMessage['API request handled']).toMatchObject({ function_name: 'GetCustomerStatus', function_request_id: 'api-request' });
  });
});
