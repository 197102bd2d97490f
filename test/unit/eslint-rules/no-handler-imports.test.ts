import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES } from '../../../lambdas/api/routes';
import { SCHEDULED_JOBS } from '../../../lambdas/scheduled/jobs';
import { STOPPED_EXECUTION_HANDLER } from '../../../lambdas/workflows/execution-events';
import { NESTED_WORKFLOWS, WORKFLOWS } from '../../../statemachines/workflows';

const root = join(__dirname, '../../..');
/** Where the probe pretends to live: a module among the handlers. */
const probe = 'lambdas/workflows/lint-probe.ts';

/** Every handler the deployment names: routes, workflow steps, scheduled jobs, and the constructs' own (infra, sweeps). */
function namedHandlers(): Set<string> {
  const constructs = readdirSync(join(root, 'lib'))
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(join(root, 'lib', file), 'utf8').matchAll(/\bhandler: '([a-z-]+\/[a-z/-]+)'/g)].map((match) => match[1]));
  return new Set([
    ...ROUTES.map((route) => route.handler),
    CUSTOMER_AUTHORIZER_HANDLER,
    STOPPED_EXECUTION_HANDLER,
    ...[...WORKFLOWS, ...NESTED_WORKFLOWS].flatMap((workflow) => Object.values(workflow.steps).map((step) => step.handler)),
    ...SCHEDULED_JOBS.map((job) => job.handler),
    ...constructs,
  ]);
}

function lambdaModules(dir = join(root, 'lambdas')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? lambdaModules(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [relative(join(root, 'lambdas'), join(dir, entry.name)).replace(/\.ts$/, '')] : [],
  );
}

/** Runs the project's ESLint config (eslint.config.mjs) on `source` as if it were `probe`; returns this rule's messages. */
function lint(source: string): { line: number; message: string }[] {
  const run = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', probe, '--format', 'json'], {
    cwd: root,
    input: source,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; line: number; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === 'stackpro/no-handler-imports');
}

describe('lint: no module imports a handler file', () => {
  it('flags exactly the imports of the handlers the route table, workflows, scheduled jobs and constructs name', () => {
    const modules = lambdaModules().filter((module) => module !== 'workflows/lint-probe');
    const source = modules.map((module) => `import '../${module}';`).join('\n');

    const flagged = lint(source).map((m) => modules[m.line - 1]);

    expect(new Set(flagged)).toEqual(namedHandlers());
    expect(flagged).toHaveLength(namedHandlers().size);
    expect(flagged.length).toBeGreaterThan(40);
  }, 60_000);

  it('catches named, re-exported and type-only imports, and says what to do', () => {
    const messages = lint(
      [
        "import { CUSTOMER_TAG } from '../provisioning/launch-instance';",
        "export { handler } from '../api/sign-up';",
        "export type StopModule = typeof import('../lifecycle/stop-instance');",
        "import { ATTEMPT_TAG } from '../provisioning/instance-tags';",
        'export const tags = [CUSTOMER_TAG, ATTEMPT_TAG];',
      ].join('\n'),
    );

    expect(messages.map((m) => m.line)).toEqual([1, 2, 3]);
    expect(messages[0].message).toMatch(/lambdas\/provisioning\/launch-instance\.ts' is a Lambda handler file/);
  }, 60_000);
});
