import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaHandler } from '../../../local/handler-loader';
import { ExecutionEvents, type ExecutionStatusChangeEvent } from '../../../local/events/execution-events';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import { ExecutionStore, INTERRUPTED_CAUSE } from '../../../local/step-functions/execution-store';
import { ExecutionStatusChangeEvent as EventSchema } from '../../../lambdas/workflows/execution-events';
import type { WorkflowDefinition } from '../../../statemachines/workflows';

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
  // Short: aws-local-stepfunctions keeps an aborted execution's timeout timers, which would hold Jest open.
  TimeoutSeconds: 3,
  States: {
    'Do work': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      TimeoutSeconds: 2,
      Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { 'input.$': '$' } },
      End: true,
    },
  },
};

let dataDir: string;
let step: jest.Mock<Promise<unknown>, [unknown]>;
let delivered: ExecutionStatusChangeEvent[];
let deliver: jest.Mock<Promise<unknown>, [ExecutionStatusChangeEvent]>;

function newBus(retryDelaysMs: number[] = [1, 1]) {
  return new ExecutionEvents({ dir: path.join(dataDir, 'events'), deliver, retryDelaysMs });
}

function newEngine(bus: ExecutionEvents) {
  return new StepFunctionsEngine({
    workflows: [WORKFLOW],
    dataDir,
    statemachinesDir: dataDir,
    loadHandler: async () => step as unknown as LambdaHandler,
    onExecutionEnded: (record) => bus.emit(record),
  });
}

/** A step still running when the test stops its execution; its timer never holds the test process open. */
const slowStep = () => new Promise((resolve) => setTimeout(resolve, 1_000).unref());

const pending = () => readdirSync(path.join(dataDir, 'events', 'pending')).filter((name) => name.endsWith('.json'));
const deadLetters = () => readdirSync(path.join(dataDir, 'events', 'dead-letter'));

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-events-'));
  writeFileSync(path.join(dataDir, WORKFLOW.file), JSON.stringify(ASL));
  step = jest.fn(async (_event: unknown) => ({ ok: true }) as unknown);
  delivered = [];
  deliver = jest.fn(async (event: ExecutionStatusChangeEvent) => {
    delivered.push(event);
  });
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('local execution status change events', () => {
  it('delivers an ABORTED event in AWS’s shape when StopExecution stops a running execution', async () => {
    const bus = newBus();
    bus.start();
    const engine = newEngine(bus);
    step.mockImplementation(slowStep); // Still running when the stop ends it.
    const started = engine.start({ stateMachineArn: ARN, name: 'run-1', input: '{"customerId":"c-1"}' });

    await engine.stop(started.executionArn, { error: 'Support', cause: 'Stopped by support' });
    await bus.settled();

    expect(delivered).toHaveLength(1);
    const event = delivered[0];
    expect(EventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      resources: [started.executionArn],
      detail: {
        executionArn: started.executionArn,
        stateMachineArn: ARN,
        name: 'run-1',
        status: 'ABORTED',
        startDate: started.startDate,
        input: '{"customerId":"c-1"}',
        inputDetails: { included: true },
        error: 'Support',
        cause: 'Stopped by support',
      },
    });
    expect(event.detail.stopDate).toEqual(expect.any(Number));
    expect(pending()).toEqual([]);
  });

  it('sends FAILED, and nothing for a success (the rule matches FAILED, TIMED_OUT and ABORTED only)', async () => {
    const bus = newBus();
    bus.start();
    const engine = newEngine(bus);
    await engine.settled(engine.start({ stateMachineArn: ARN, name: 'ok', input: '{}' }).executionArn);
    step.mockRejectedValueOnce(Object.assign(new Error('boom'), { name: 'BoomError' }));
    await engine.settled(engine.start({ stateMachineArn: ARN, name: 'bad', input: '{}' }).executionArn);
    await bus.settled();

    expect(delivered.map((event) => [event.detail.name, event.detail.status, event.detail.error])).toEqual([['bad', 'FAILED', 'BoomError']]);
  });

  it('reports an execution a crash left RUNNING as ABORTED at the next start, and delivers it once the stack is up', async () => {
    new ExecutionStore(path.join(dataDir, 'executions')).save({
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:cut-off`,
      stateMachineArn: ARN,
      name: 'cut-off',
      status: 'RUNNING',
      input: '{"customerId":"c-2"}',
      startDate: Date.now() - 1_000,
      history: [],
    });
    const bus = newBus();
    newEngine(bus);
    // Stored before delivery starts, so a second crash right now would not lose it.
    expect(pending()).toHaveLength(1);
    expect(deliver).not.toHaveBeenCalled();

    bus.start();
    await bus.settled();

    expect(delivered.map((event) => [event.detail.name, event.detail.status, event.detail.cause])).toEqual([['cut-off', 'ABORTED', INTERRUPTED_CAUSE]]);
    expect(pending()).toEqual([]);
  });

  it('retries a failed delivery, then keeps the event in the dead-letter directory', async () => {
    deliver.mockRejectedValueOnce(new Error('busy'));
    const bus = newBus();
    bus.start();
    const engine = newEngine(bus);
    step.mockRejectedValue(new Error('boom'));
    await engine.settled(engine.start({ stateMachineArn: ARN, name: 'flaky', input: '{}' }).executionArn);
    await bus.settled();
    expect(deliver).toHaveBeenCalledTimes(2);
    expect(delivered).toHaveLength(1);

    deliver.mockRejectedValue(new Error('down'));
    await engine.settled(engine.start({ stateMachineArn: ARN, name: 'doomed', input: '{}' }).executionArn);
    await bus.settled();
    expect(deadLetters()).toHaveLength(1);
    expect(pending()).toEqual([]);
  });

  it('once stopped, keeps new events on disk for the next start (the shutdown aborts executions)', async () => {
    const bus = newBus();
    bus.start();
    const engine = newEngine(bus);
    step.mockImplementation(slowStep);
    engine.start({ stateMachineArn: ARN, name: 'at-shutdown', input: '{}' });

    await bus.stop();
    await engine.shutdown();
    expect(deliver).not.toHaveBeenCalled();
    expect(pending()).toHaveLength(1);

    const next = newBus();
    next.start();
    await next.settled();
    expect(delivered.map((event) => [event.detail.name, event.detail.status])).toEqual([['at-shutdown', 'ABORTED']]);
  });
});
