import type { AdminApi, CustomerDetail } from '../../../bin/cli/admin-api';
import { followResize } from '../../../bin/cli/commands/resize';
import { buildProgram } from '../../../bin/cli/program';
import type { Output } from '../../../bin/cli/output';

/** The admin API as the CLI sees it, answering a scripted sequence of customer details. */
function scripted(details: Partial<CustomerDetail>[]): AdminApi {
  let call = 0;
  return { getCustomer: async () => details[Math.min(call++, details.length - 1)] as CustomerDetail } as unknown as AdminApi;
}

const recorder = (): Output & { lines: string[] } => {
  const lines: string[] = [];
  return { json: false, lines, result: () => undefined, progress: (line) => lines.push(line) };
};

const step = (name: string, status: string, message?: string) => ({ name, status, startedAt: '2026-12-01T00:00:00Z', ...(message ? { message } : {}) });
const resizing = (steps: ReturnType<typeof step>[], extra: Partial<CustomerDetail> = {}): Partial<CustomerDetail> => ({
  plan: 'starter',
  pendingPlan: 'business',
  workflow: { name: 'ResizeCustomer', executionName: 'resize-business-c-1', currentStep: null, steps },
  executions: [{ workflow: 'ResizeCustomer', executionName: 'resize-business-c-1', status: 'RUNNING', startedAt: null, stoppedAt: null }],
  ...extra,
});

describe('npx stackpro resize', () => {
  it('shows each resize step as a task-list line once per change of state, until the plan has moved', async () => {
    const output = recorder();
    const api = scripted([
      resizing([step('Find instance', 'succeeded'), step('Stop instance', 'running', 'Instance i-1 is still stopping')]),
      resizing([step('Find instance', 'succeeded'), step('Stop instance', 'running', 'Instance i-1 is still stopping')]),
      resizing([step('Find instance', 'succeeded'), step('Stop instance', 'succeeded'), step('Check apps answer', 'succeeded')]),
      { ...resizing([step('Complete plan change', 'succeeded')]), plan: 'business', pendingPlan: undefined, executions: [{ workflow: 'ResizeCustomer', executionName: 'resize-business-c-1', status: 'SUCCEEDED', startedAt: null, stoppedAt: null }] },
    ]);

    const outcome = await followResize(api, output, 'c-1', 'business', 30, 1);

    expect(outcome).toMatchObject({ outcome: 'resized', plan: 'business' });
    expect(output.lines).toEqual([
      '  [x] Find instance',
      '  [ ] Stop instance: Instance i-1 is still stopping',
      '  [x] Stop instance',
      '  [x] Check apps answer',
      '  [x] Complete plan change',
    ]);
  });

  it('reports a failed resize with its reason (the previous plan is back)', async () => {
    const api = scripted([
      { ...resizing([step('Record resize failure', 'failed', 'Resize failed')]), pendingPlan: undefined, planChangeFailure: 'AWS has no capacity for this server size right now.', executions: [] },
    ]);
    await expect(followResize(api, recorder(), 'c-1', 'business', 30)).resolves.toMatchObject({
      outcome: 'failed',
      plan: 'starter',
      planChangeFailure: 'AWS has no capacity for this server size right now.',
    });
  });

  it('refuses an unknown plan before calling the API, and documents itself in --help', () => {
    const program = buildProgram({}).exitOverride();
    const resize = program.commands.find((command) => command.name() === 'resize')!;
    expect(resize.helpInformation()).toMatch(/<customerId> <plan>/);
    expect(resize.helpInformation()).toContain('starter | business | enterprise');
    const errors: string[] = [];
    resize.exitOverride().configureOutput({ writeErr: (text) => errors.push(text) });
    expect(() => program.parse(['resize', 'c-1', 'platinum'], { from: 'user' })).toThrow();
    expect(errors.join('')).toContain('one of starter, business, enterprise');
  });
});
