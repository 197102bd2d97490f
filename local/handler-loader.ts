import path from 'node:path';
import type { Context } from 'aws-lambda';
import { runInvocation } from './invocation-scope';

/** Any Lambda handler: `(event, context) => Promise<result>`. */
export type LambdaHandler = (event: unknown, context: unknown) => unknown;

/** Resolves a handler path from the route or workflow tables (`api/get-health`) to its function. */
export type HandlerLoader = (handlerPath: string) => Promise<LambdaHandler>;

const LAMBDAS_DIR = path.resolve(__dirname, '..', 'lambdas');
const loaded = new Map<string, LambdaHandler>();

/**
 * Loads `lambdas/<handlerPath>.ts` on first use. It must stay lazy: handlers create their SDK clients at
 * module scope, so they may only be loaded once the local stack has set the endpoint env vars.
 */
export const loadLambdaHandler: HandlerLoader = async (handlerPath) => {
  // Resolved once per path: the adapter asks twice per request (authorizer, route), and each require()
  // of a cached module still walks tsx's resolver, which Lambda's warm container never does.
  const known = loaded.get(handlerPath);
  if (known) return known;
  const modulePath = path.join(LAMBDAS_DIR, handlerPath);
  if (!modulePath.startsWith(LAMBDAS_DIR + path.sep)) {
    throw new Error(`Handler path "${handlerPath}" points outside lambdas/`);
  }
  // require (not import()) so tsx and Jest both load the .ts source as CommonJS, once, from their cache.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(modulePath) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new Error(`lambdas/${handlerPath}.ts does not export a function named "handler"`);
  }
  const handler = module.handler as LambdaHandler;
  // Each invocation in its own scope, as the Lambda runtime runs it: see invocation-scope.ts.
  const scoped: LambdaHandler = (event, context) =>
    runInvocation((context as Partial<Context> | undefined)?.awsRequestId ?? 'local', () => handler(event, context));
  loaded.set(handlerPath, scoped);
  return scoped;
};
