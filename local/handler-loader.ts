import path from 'node:path';
import type { Context } from 'aws-lambda';
import { runInvocation } from './invocation-scope';

/** Any Lambda handler: `(event, context) => Promise<result>`. */
export type LambdaHandler = (event: unknown, context: unknown) => unknown;

/** Resolves a handler path from the route or workflow tables (`api/get-health`) to its function. */
export type HandlerLoader = (handlerPath: string) => Promise<LambdaHandler>;

const LAMBDAS_DIR = path.resolve(__dirname, '..', 'lambdas');

/**
 * Loads `lambdas/<handlerPath>.ts` on first use. It must stay lazy: handlers create their SDK clients at
 * module scope, so they may only be loaded once the local stack has set the endpoint env vars.
 */
export const loadLambdaHandler: HandlerLoader = async (handlerPath) => {
  const modulePath = path.join(LAMBDAS_DIR, handlerPath);
  if (!modulePath.startsWith(LAMBDAS_DIR + path.sep)) {
    throw new Error(`Handler path "${handlerPath}" points outside lambdas/`);
  }
  // require (not import()) so tsx and Jest both load the .ts source as CommonJS, once, from their cache.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(modulePath) as { handler?: unknown };
  if (typeof loaded.handler !== 'function') {
    throw new Error(`lambdas/${handlerPath}.ts does not export a function named "handler"`);
  }
  const handler = loaded.handler as LambdaHandler;
  // Each invocation in its own scope, as the Lambda runtime runs it: see invocation-scope.ts.
  return (event, context) => runInvocation((context as Partial<Context> | undefined)?.awsRequestId ?? 'local', () => handler(event, context));
};
