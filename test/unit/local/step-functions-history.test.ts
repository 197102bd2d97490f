import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowDefinition } from '../../../statemachines/workflows';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import type { HistoryEvent } from '../../../local/step-functions/history';

/**
 * The execution history the console draws from: Task attempts with the Lambda payload and result, the
 * Parallel and Map states' own events, and previousEventId links that follow each branch (as in AWS).
 */
const WORKFLOW: WorkflowDefinition = {
  id: 'HistoryFlow',
  file: 'history-flow.asl.json',
  deployedIn: 'main',
  arnVariable: 'TEST_STATE_MACHINE_ARN',
  steps: { WorkFunctionArn: { id: 'DoWork', handler: 'test/do-work', access: [] } },
};

const task = (side: string, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  TimeoutSeconds: 30,
  Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { side } },
  ResultSelector: { 'result.$': '$.Payload' },
  Retry: [{ ErrorEquals: ['FlakyError'], IntervalSeconds: 1, MaxAttempts: 2 }],
  ...(next ? { Next: next } : { End: true }),
});

const ASL = {
  StartAt: 'Fan out',
  TimeoutSeconds: 300,
  States: {
    'Fan out': {
      Type: 'Parallel',
      ResultPath: '$.fanned',
      Branches: [
        { StartAt: 'Left', States: { Left: task('left', 'Left done'), 'Left done': { Type: 'Pass', End: true } } },
        { StartAt: 'Right', States: { Right: task('right') } },
      ],
      Next: 'Each item',
    },
    'Each item': {
      Type: 'Map',
      ItemsPath: '$.items',
      ResultPath: null,
      ItemProcessor: { StartAt: 'Handle item', States: { 'Handle item': { Type: 'Pass', End: true } } },
      End: true,
    },
  },
};

let dataDir: string;
let handler: jest.Mock<Promise<unknown>, [{ side: string }]>;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-sfn-history-'));
  writeFileSync(path.join(dataDir, WORKFLOW.file), JSON.stringify(ASL));
  handler = jest.fn(async (event: { side: string }) => ({ did: event.side }) as unknown);
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
  // The recorder logs instead of throwing: a logged recording failure is still a failure here.
  expect(consoleError).not.toHaveBeenCalledWith(expect.stringContaining('history event'), expect.anything());
  consoleError.mockClear();
});

const consoleError = jest.spyOn(console, 'error');

async function run(input: object): Promise<ExecutionRecord> {
  const engine = new StepFunctionsEngine({
    workflows: [WORKFLOW],
    dataDir,
    statemachinesDir: dataDir,
    loadHandler: async () => handler as unknown as LambdaHandler,
    timeOverrides: { retryIntervalOverrides: { Left: 0, Right: 0 } },
  });
  const started = engine.start({ stateMachineArn: stateMachineArn(WORKFLOW.id), name: 'run-1', input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

const named = (history: HistoryEvent[], type: string, name?: string) =>
  history.filter((event) => event.type === type && (name === undefined || JSON.stringify(event).includes(`"name":"${name}"`)));

/** Follows previousEventId from an event back to `stop`, returning the types passed on the way. */
function chain(history: HistoryEvent[], from: HistoryEvent, stop: number): string[] {
  const types: string[] = [];
  let current: HistoryEvent | undefined = from;
  while (current && current.id !== stop) {
    types.push(current.type);
    const previous: number = current.previousEventId;
    current = history.find((event) => event.id === previous);
  }
  return types.reverse();
}

describe('execution history', () => {
  it('shows each Task attempt and links every event to the one before it in its own branch', async () => {
    // Right fails once with a retried error: its second attempt succeeds.
    handler.mockImplementation(async (event) => {
      if (event.side === 'right' && handler.mock.calls.filter(([call]) => call.side === 'right').length === 1) {
        throw Object.assign(new Error('try again'), { name: 'FlakyError' });
      }
      return { did: event.side };
    });

    const { status, history } = await run({ items: ['a', 'b'] });

    expect(status).toBe('SUCCEEDED');
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
    const [started] = named(history, 'ParallelStateStarted');
    const [leftDone] = named(history, 'PassStateExited', 'Left done');
    const [rightExited] = named(history, 'TaskStateExited', 'Right');
    expect(chain(history, leftDone, started.id)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
    ]);
    expect(chain(history, rightExited, started.id)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
    // After the Parallel: the last event of the branch that finished last.
    const [succeeded] = named(history, 'ParallelStateSucceeded');
    const [exited] = named(history, 'ParallelStateExited');
    expect(succeeded.previousEventId).toBe(Math.max(leftDone.id, rightExited.id));
    expect(exited.previousEventId).toBe(succeeded.previousEventId);
    expect(named(history, 'MapStateEntered')[0].previousEventId).toBe(exited.id);
  });

  it('carries the Lambda payload on TaskScheduled and the Invoke result on TaskSucceeded', async () => {
    const { history } = await run({ items: [] });

    const scheduled = named(history, 'TaskScheduled');
    const parameters = scheduled.map((event) => JSON.parse((event.taskScheduledEventDetails as { parameters: string }).parameters));
    expect(parameters).toEqual(
      expect.arrayContaining(
        ['left', 'right'].map((side) =>
          expect.objectContaining({ FunctionName: expect.stringContaining(':function:DoWork'), Payload: expect.objectContaining({ side, stepName: side === 'left' ? 'Left' : 'Right' }) }),
        ),
      ),
    );
    expect(scheduled[0].taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', timeoutInSeconds: 30 });
    const outputs = named(history, 'TaskSucceeded').map((event) => JSON.parse((event.taskSucceededEventDetails as { output: string }).output));
    expect(outputs).toEqual(expect.arrayContaining([{ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { did: 'left' } }]));
  });

  it('shows the Map state, its length and each iteration, each iteration linked from its own start', async () => {
    const { history } = await run({ items: ['a', 'b', 'c'] });

    expect(named(history, 'MapStateStarted')[0]).toMatchObject({ mapStateStartedEventDetails: { length: 3 } });
    const iterations = named(history, 'MapIterationStarted');
    expect(iterations.map((event) => (event.mapIterationStartedEventDetails as { index: number }).index).sort()).toEqual([0, 1, 2]);
    for (const entered of named(history, 'PassStateEntered', 'Handle item')) {
      expect(iterations.map((event) => event.id)).toContain(entered.previousEventId);
    }
    expect(named(history, 'MapStateSucceeded')).toHaveLength(1);
  });

  it('ends a branch failure with TaskFailed, then ParallelStateFailed, then ExecutionFailed, each linked to the one before', async () => {
    handler.mockImplementation(async (event) => {
      if (event.side === 'left') throw Object.assign(new Error('no such customer'), { name: 'CustomerNotFoundError' });
      return { did: event.side };
    });

    const { status, history } = await run({ items: [] });

    expect(status).toBe('FAILED');
    const [taskFailed] = named(history, 'TaskFailed');
    const [parallelFailed] = named(history, 'ParallelStateFailed');
    const [executionFailed] = named(history, 'ExecutionFailed');
    expect(taskFailed.taskFailedEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: 'CustomerNotFoundError' });
    expect(parallelFailed.previousEventId).toBeGreaterThanOrEqual(taskFailed.id);
    expect(executionFailed.previousEventId).toBe(parallelFailed.id);
    expect(named(history, 'ParallelStateSucceeded')).toHaveLength(0);
  });
});
