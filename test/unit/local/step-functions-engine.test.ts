import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROVISION_CUSTOMER, type WorkflowDefinition } from '../../../statemachines/workflows';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn, type TimeOverrides } from '../../../local/step-functions/engine';
import { type ExecutionRecord, ExecutionStore, INTERRUPTED_CAUSE } from '../../../local/step-functions/execution-store';

const WORKFLOW: WorkflowDefinition = {
  id: 'TestFlow',
  file: 'test-flow.asl.json',
  deployedIn: 'main',
  arnVariable: 'TEST_STATE_MACHINE_ARN',
  steps: { WorkFunctionArn: { id: 'DoWork', handler: 'test/do-work', access: [] } },
};
const ARN = stateMachineArn(WORKFLOW.id);

const ASL = {
  StartAt: 'Do work',
  TimeoutSeconds: 300,
  States: {
    'Do work': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      TimeoutSeconds: 30,
      Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { 'input.$': '$', 'executionName.$': '$$.Execution.Name' } },
      ResultSelector: { 'result.$': '$.Payload' },
      Retry: [{ ErrorEquals: ['FlakyError'], IntervalSeconds: 30, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['CustomerNotFoundError'], ResultPath: '$.error', Next: 'Work failed' }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    'Work failed': { Type: 'Fail', Error: 'WorkFailed', CausePath: '$.error.Cause' },
  },
};

let dataDir: string;
let handler: jest.Mock<Promise<unknown>, [unknown, unknown]>;

function newEngine(timeOverrides?: TimeOverrides): StepFunctionsEngine {
  return new StepFunctionsEngine({
    workflows: [WORKFLOW],
    dataDir,
    statemachinesDir: dataDir,
    loadHandler: async () => handler as LambdaHandler,
    timeOverrides,
  });
}

async function runToEnd(engine: StepFunctionsEngine, name: string, input: object): Promise<ExecutionRecord> {
  const started = engine.start({ stateMachineArn: ARN, name, input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-sfn-'));
  writeFileSync(path.join(dataDir, WORKFLOW.file), JSON.stringify(ASL));
  handler = jest.fn(async (event: unknown, _context: unknown) => ({ handled: event }) as unknown);
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('StepFunctionsEngine', () => {
  it('runs the ASL, invoking the step handler with $$.Execution.Name, and records the history', async () => {
    const record = await runToEnd(newEngine(), 'cus-1', { customerId: 'cus_1' });

    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output ?? 'null')).toEqual({
      result: { handled: { input: { customerId: 'cus_1' }, executionName: 'cus-1', stepName: 'Do work', workflowId: 'TestFlow' } },
    });
    expect(record.history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    // As in AWS: ExecutionStarted and the first state both point at event 0.
    expect(record.history[1]).toMatchObject({ id: 2, previousEventId: 0, stateEnteredEventDetails: { name: 'Do work' } });
  });

  it('lets Catch match a typed handler error by name, and fails with its Lambda-shaped cause', async () => {
    handler.mockRejectedValue(namedError('CustomerNotFoundError', 'no cus_1'));

    const record = await runToEnd(newEngine(), 'cus-1', {});

    expect(record).toMatchObject({
      status: 'FAILED',
      error: 'WorkFailed',
      cause: JSON.stringify({ errorType: 'CustomerNotFoundError', errorMessage: 'no cus_1' }),
    });
  });

  it('retries a matching error, with the retry interval overridden', async () => {
    handler.mockRejectedValueOnce(namedError('FlakyError', 'try again'));

    const record = await runToEnd(newEngine({ retryIntervalOverrides: { 'Do work': 0 } }), 'cus-1', {});

    expect(record.status).toBe('SUCCEEDED');
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['an invalid name', { stateMachineArn: ARN, name: 'has spaces', input: '{}' }, 'InvalidName'],
    ['a name over 80 characters', { stateMachineArn: ARN, name: 'x'.repeat(81), input: '{}' }, 'InvalidName'],
    ['an unknown state machine', { stateMachineArn: `${ARN}Nope`, name: 'a', input: '{}' }, 'StateMachineDoesNotExist'],
    ['input that is not JSON', { stateMachineArn: ARN, name: 'a', input: '{' }, 'InvalidExecutionInput'],
  ])('refuses %s', (_case, request, code) => {
    expect(() => newEngine().start(request)).toThrow(expect.objectContaining({ code }));
  });

  it('returns the running execution for a repeat with the same name and input, and refuses anything else', async () => {
    let finish: (value: unknown) => void = () => undefined;
    handler.mockImplementation(() => new Promise((resolve) => (finish = resolve)));
    const engine = newEngine();
    const first = engine.start({ stateMachineArn: ARN, name: 'cus-1', input: '{"a":1}' });

    const repeat = engine.start({ stateMachineArn: ARN, name: 'cus-1', input: '{"a":1}' });
    expect(repeat.executionArn).toBe(first.executionArn);
    expect(() => engine.start({ stateMachineArn: ARN, name: 'cus-1', input: '{"a":2}' })).toThrow(
      expect.objectContaining({ code: 'ExecutionAlreadyExists' }),
    );

    await new Promise((resolve) => setImmediate(resolve));
    finish({});
    await engine.settled(first.executionArn);
    expect(() => engine.start({ stateMachineArn: ARN, name: 'cus-1', input: '{"a":1}' })).toThrow(
      expect.objectContaining({ code: 'ExecutionAlreadyExists' }),
    );
  });

  it('aborts a running execution on stop, keeping the given error and cause', async () => {
    let finish: (value: unknown) => void = () => undefined;
    handler.mockImplementation(() => new Promise((resolve) => (finish = resolve)));
    const engine = newEngine();
    const started = engine.start({ stateMachineArn: ARN, name: 'cus-1', input: '{}' });
    await new Promise((resolve) => setImmediate(resolve));

    const stopped = await engine.stop(started.executionArn, { error: 'Cancelled', cause: 'by a test' });
    finish({});

    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'by a test' });
    expect(stopped?.history.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Cancelled', cause: 'by a test' },
    });
  });

  it('still describes executions after a restart, reporting one that was running as aborted', async () => {
    const finished = await runToEnd(newEngine(), 'done-1', {});
    const interrupted: ExecutionRecord = { ...finished, name: 'was-running', executionArn: `${finished.executionArn}x`, status: 'RUNNING', output: undefined, history: [] };
    new ExecutionStore(path.join(dataDir, 'executions')).save(interrupted);

    const restarted = newEngine();

    expect(restarted.describe(finished.executionArn)).toMatchObject({ status: 'SUCCEEDED', output: finished.output });
    expect(restarted.describe(interrupted.executionArn)).toMatchObject({ status: 'ABORTED', cause: INTERRUPTED_CAUSE });
    expect(restarted.list(ARN).map((record) => record.name).sort()).toEqual(['done-1', 'was-running']);
  });

  it('loads the repository ASL files with every substitution filled', () => {
    const engine = new StepFunctionsEngine({
      workflows: [PROVISION_CUSTOMER],
      dataDir,
      loadHandler: async () => handler as LambdaHandler,
    });

    expect(engine.hasStateMachine(stateMachineArn('ProvisionCustomer'))).toBe(true);
  });
});
