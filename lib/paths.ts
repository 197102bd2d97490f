import * as path from 'node:path';

/** The repository root, so construct code finds handlers and ASL files wherever `cdk` or jest is started. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Absolute path of a handler module given as in the route and workflow tables (`api/get-health`). */
export function handlerEntry(handler: string): string {
  return path.join(REPO_ROOT, 'lambdas', `${handler}.ts`);
}

/** Absolute path of an ASL file under `statemachines/`. */
export function stateMachineFile(file: string): string {
  return path.join(REPO_ROOT, 'statemachines', file);
}
