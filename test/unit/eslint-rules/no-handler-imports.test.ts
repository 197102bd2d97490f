import { MESSAGING_JOBS } from '../../../lambdas/scheduled/jobs';
import { spawnSync } from 'node:child_process';
import { INBOUND_HANDLERS, UNWIRED_STEP_HANDLERS } from '../../../lambdas/messaging/inbound-handlers';
import { STREAM_CONSUMERS } from '../../../lambdas/messaging/stream-consumers';
import { WEBSOCKET_HANDLERS } from '../../../lambdas/messaging/live/websocket-handlers';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES } from '../../../lambdas/api/routes';
import { SCHEDULED_JOBS } from '../../../lambdas/scheduled/jobs';
import { STOPPED_EXECUTION_HANDLER } from '../../../lambdas/workflows/execution-events';
import { WORKFLOWS } from '../../../statemachines/workflows';

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
    ...WORKFLOWS.flatMap((workflow) => Object.values(workflow.steps).map((step) => step.handler)),
    ...[...SCHEDULED_JOBS, ...MESSAGING_JOBS].map((job) => job.handler),
    ...constructs,
    ...Object.values(INBOUND_HANDLERS).map((inbound) => inbound.handler),
    ...UNWIRED_STEP_HANDLERS,
    ...STREAM_CONSUMERS.map((consumer) => consumer.handler),
    ...Object.values(WEBSOCKET_HANDLERS).map((route) => route.handler),
  ]);
}

function lambdaModules(dir = join(root, 'lambdas')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? lambdaModules(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [relative(join(root, 'lambdas'), join(dir, entry.name)).replace(/\.ts$/, '')] : [],
  );
}

type LintMessage = { line: number; message: string };

/**
 * Runs the project's ESLint config (eslint.config.mjs) on each source as if it were `probe`, in one ESLint
 * process (each start loads ESLint and typescript-eslint: seconds of CPU); returns this rule's messages per source.
 */
function lintAll(sources: readonly string[]): LintMessage[][] {
  const script = [
    "import { ESLint } from 'eslint';",
    "let input = ''; for await (const chunk of process.stdin) input += chunk;",
    'const { sources, probe } = JSON.parse(input);',
    'const eslint = new ESLint();',
    'const results = [];',
    'for (const source of sources) results.push((await eslint.lintText(source, { filePath: probe }))[0].messages);',
    'process.stdout.write(JSON.stringify(results));',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, input: JSON.stringify({ sources, probe }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ESLint failed: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { ruleId: string | null; line: number; message: string }[][];
  return results.map((messages) => messages.filter((m) => m.ruleId === 'stackpro/no-handler-imports'));
}

const modules = lambdaModules().filter((module) => module !== 'workflows/lint-probe');
const SOURCES = {
  everyModule: modules.map((module) => `import '../${module}';`).join('\n'),
  importForms: [
    "import { CUSTOMER_TAG } from '../provisioning/launch-instance';",
    "export { handler } from '../api/sign-up';",
    "export type StopModule = typeof import('../lifecycle/stop-instance');",
    "import { ATTEMPT_TAG } from '../provisioning/instance-tags';",
    'export const tags = [CUSTOMER_TAG, ATTEMPT_TAG];',
  ].join('\n'),
};
let linted: Record<keyof typeof SOURCES, LintMessage[]>;

beforeAll(() => {
  const [everyModule, importForms] = lintAll([SOURCES.everyModule, SOURCES.importForms]);
  linted = { everyModule, importForms };
}, 60_000);

describe('lint: no module imports a handler file', () => {
  it('flags exactly the imports of the handlers the route table, workflows, scheduled jobs and constructs name', () => {
    const flagged = linted.everyModule.map((m) => modules[m.line - 1]);

    expect(new Set(flagged)).toEqual(namedHandlers());
    expect(flagged).toHaveLength(namedHandlers().size);
    expect(flagged.length).toBeGreaterThan(40);
  });

  it('catches named, re-exported and type-only imports, and says what to do', () => {
    const messages = linted.importForms;

    expect(messages.map((m) => m.line)).toEqual([1, 2, 3]);
    expect(messages[0].message).toMatch(/lambdas\/provisioning\/launch-instance\.ts' is a Lambda handler file/);
  });
});
