import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES } from '../../../lambdas/api/routes';
import { SCHEDULED_JOBS } from '../../../lambdas/scheduled/jobs';
import { STOPPED_EXECUTION_HANDLER } from '../../../lambdas/workflows/execution-events';
import { CPU_BOUND_HANDLERS } from '../../../local/lambda-workers/cpu-bound';
import { WORKFLOWS } from '../../../statemachines/workflows';

const LAMBDAS = path.resolve(__dirname, '../../../lambdas');
const PASSWORDS = path.join(LAMBDAS, 'core/passwords.ts');

/** The .ts files a module imports from lambdas/ (relative specifiers; packages are left out). */
function localImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]);
  return specifiers.flatMap((specifier) => {
    const base = path.resolve(path.dirname(file), specifier);
    const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    return found && found.startsWith(LAMBDAS) ? [found] : [];
  });
}

/** Whether any module `handlerPath` imports, directly or not, is lambdas/core/passwords.ts. */
function reachesPasswords(handlerPath: string): boolean {
  const seen = new Set<string>();
  const queue = [path.join(LAMBDAS, `${handlerPath}.ts`)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (file === PASSWORDS) return true;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...localImports(file));
  }
  return false;
}

describe('CPU_BOUND_HANDLERS', () => {
  it('names exactly the handlers whose imports reach the argon2id password hashing', () => {
    const handlers = new Set([
      ...ROUTES.map((route) => route.handler),
      CUSTOMER_AUTHORIZER_HANDLER,
      ...WORKFLOWS.flatMap((workflow) => Object.values(workflow.steps).map((step) => step.handler)),
      ...SCHEDULED_JOBS.map((job) => job.handler),
      STOPPED_EXECUTION_HANDLER,
    ]);

    const hashing = [...handlers].filter(reachesPasswords).sort();

    expect(hashing.length).toBeGreaterThan(0);
    expect([...CPU_BOUND_HANDLERS].sort()).toEqual(hashing);
  });
});
