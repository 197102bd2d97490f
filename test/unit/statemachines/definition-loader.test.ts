import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STANDARD_RETRY, type AslState, forEachState, loadDefinition } from '../../../statemachines/definition-loader';
import { WORKFLOWS, type WorkflowDefinition } from '../../../statemachines/workflows';

const STATEMACHINES = path.resolve(__dirname, '..', '..', '..', 'statemachines');
const lambdaTasks = (states: Record<string, AslState>) => {
  const found: [string, AslState][] = [];
  forEachState(states, (name, state) => {
    if (state.Type === 'Task' && state.Resource === 'arn:aws:states:::lambda:invoke') found.push([name, state]);
  });
  return found;
};

describe('loadDefinition', () => {
  it.each(WORKFLOWS.map((w) => [w.id, w] as const))('%s: every check polls by retrying NotReadyError at a fixed, bounded interval, before the standard Retry', (_id, workflow) => {
    const checks = lambdaTasks(loadDefinition(workflow).States).filter(([name]) => name.startsWith('Check '));
    expect(checks.length).toBeGreaterThan(0);
    for (const [, state] of checks) {
      const retry = state.Retry as { ErrorEquals: string[]; BackoffRate?: number; MaxAttempts?: number; IntervalSeconds?: number }[];
      const notReady = retry.findIndex((retrier) => retrier.ErrorEquals.includes('NotReadyError'));
      expect(notReady).toBeGreaterThanOrEqual(0);
      expect(notReady).toBeLessThan(retry.length - 1);
      expect(retry.at(-1)).toEqual(STANDARD_RETRY);
      expect(retry[notReady]).toMatchObject({ BackoffRate: 1, IntervalSeconds: expect.any(Number), MaxAttempts: expect.any(Number) });
    }
  });

  it.each(WORKFLOWS.map((w) => [w.id, w] as const))('%s: every Lambda Task is named after its state and ends on the standard Retry', (_id, workflow) => {
    const tasks = lambdaTasks(loadDefinition(workflow).States);
    expect(tasks.length).toBeGreaterThan(3);
    for (const [name, state] of tasks) {
      expect((state.Parameters?.Payload as Record<string, unknown>).stepName).toBe(name);
      const retry = state.Retry ?? [];
      const catchesAll = retry.some((r) => r.ErrorEquals.includes('States.ALL'));
      // States.ALL must be the last retrier: the rollback steps keep their own catch-all only.
      expect(retry.at(-1)).toEqual(catchesAll ? expect.objectContaining({ ErrorEquals: ['States.ALL'] }) : STANDARD_RETRY);
    }
  });

  it.each(WORKFLOWS.map((w) => [w.id, w] as const))('%s: the committed file writes the transient policy nowhere (it is written once, in the loader)', (_id, workflow) => {
    const committed = JSON.parse(readFileSync(path.join(STATEMACHINES, workflow.file), 'utf8')) as { States: Record<string, AslState> };
    for (const [name, state] of lambdaTasks(committed.States)) {
      const named = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect({ name, named: named.filter((e) => e === 'TransientError' || e.startsWith('Lambda.')) }).toEqual({ name, named: [] });
    }
  });

  describe('refuses a file that would deploy wrong', () => {
    let dir: string;
    const workflow: WorkflowDefinition = { id: 'Test', file: 'test.asl.json', deployedIn: 'main', arnVariable: 'TEST_STATE_MACHINE_ARN', steps: { WorkFunctionArn: { id: 'Work', handler: 'test/work', access: [] } } };
    const task = (extra: Record<string, unknown> = {}) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      TimeoutSeconds: 30,
      Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { 'customerId.$': '$.customerId' } },
      End: true,
      ...extra,
    });
    const write = (definition: object) => writeFileSync(path.join(dir, workflow.file), JSON.stringify(definition));

    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-asl-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('loads a minimal valid file, adding the step name and the standard Retry after its own', () => {
      write({ StartAt: 'Work', TimeoutSeconds: 60, States: { Work: task({ Retry: [{ ErrorEquals: ['CapacityError'], MaxAttempts: 2 }] }) } });
      const state = loadDefinition(workflow, dir).States.Work;
      expect(state.Parameters?.Payload).toEqual({ 'customerId.$': '$.customerId', stepName: 'Work', workflowId: 'Test' });
      expect(state.Retry).toEqual([{ ErrorEquals: ['CapacityError'], MaxAttempts: 2 }, STANDARD_RETRY]);
    });

    it.each([
      ['no execution timeout', { StartAt: 'Work', States: { Work: task() } }, /top-level TimeoutSeconds/],
      ['a Task without a timeout', { StartAt: 'Work', TimeoutSeconds: 60, States: { Work: task({ TimeoutSeconds: undefined }) } }, /must set TimeoutSeconds/],
      ['a Task that names itself', { StartAt: 'Work', TimeoutSeconds: 60, States: { Work: task({ Parameters: { FunctionName: '${WorkFunctionArn}', Payload: { stepName: 'Other' } } }) } }, /sets stepName/],
      ['a pasted transient Retry', { StartAt: 'Work', TimeoutSeconds: 60, States: { Work: task({ Retry: [STANDARD_RETRY] }) } }, /retries TransientError itself/],
      ['an unknown placeholder', { StartAt: 'Work', TimeoutSeconds: 60, States: { Work: task({ Parameters: { FunctionName: '${OtherFunctionArn}', Payload: {} } }) } }, /placeholders without a step \[OtherFunctionArn\]/],
    ])('%s', (_what, definition, message) => {
      write(definition);
      expect(() => loadDefinition(workflow, dir)).toThrow(message);
    });
  });
});

/**
 * Every workflow file in statemachines/, registered in WORKFLOWS or not yet (a new one is checked the moment
 * it lands): the step kit names a step's progress entry only by the `stepName` its Task passes, so every
 * Task that invokes a step must get it from the loader, exactly its state's name.
 */
describe('every workflow file in statemachines/', () => {
  const files = readdirSync(STATEMACHINES).filter((file) => file.endsWith('.asl.json'));
  /** A file no workflow lists yet: its placeholders stand for steps, as they will once it is registered. */
  const unregistered = (file: string): WorkflowDefinition => {
    const keys = new Set([...readFileSync(path.join(STATEMACHINES, file), 'utf8').matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
    return { id: file, file, deployedIn: 'main', arnVariable: 'UNREGISTERED_STATE_MACHINE_ARN', steps: Object.fromEntries([...keys].map((key) => [key, { id: key, handler: key, access: [] }])) };
  };

  it('holds the workflows the stack deploys', () => {
    expect(files).toEqual(expect.arrayContaining(WORKFLOWS.map((workflow) => workflow.file)));
  });

  it.each(files)('%s: every Task that invokes a step passes its state name as stepName', (file) => {
    const workflow = WORKFLOWS.find((candidate) => candidate.file === file) ?? unregistered(file);
    const tasks: [string, AslState][] = [];
    forEachState(loadDefinition(workflow).States, (name, state) => {
      if (state.Type === 'Task') tasks.push([name, state]);
    });

    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      if (state.Resource === 'arn:aws:states:::lambda:invoke') {
        expect({ name, stepName: (state.Parameters?.Payload as Record<string, unknown>).stepName }).toEqual({ name, stepName: name });
      } else {
        // A function ARN as the Resource would skip the loader's Payload: steps are invoked through lambda:invoke only.
        expect({ name, invokesAFunctionDirectly: /^(arn:aws:lambda:|\$\{)/.test(String(state.Resource)) }).toEqual({ name, invokesAFunctionDirectly: false });
      }
    }
  });
});
