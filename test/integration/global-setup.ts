import { type LocalStackProcess, startLocalStackProcess } from './local-stack-process';

declare global {
  var __STACKPRO_LOCAL_STACK__: LocalStackProcess | undefined;
}

/**
 * One local stack for the whole integration run (DynamoDB Local takes a second or two to start). Test
 * workers are spawned after this runs and inherit process.env, so tests read STACKPRO_API_URL and
 * STACKPRO_EDGE_URL from it (see sharedLocalStack()).
 */
export default async function globalSetup(): Promise<void> {
  // The fast sandbox profile: provisioning completes in a few seconds, Waits and Retries are compressed.
  // Per-client rate limits off: the suites fire bursts from one address (rate-limits.test.ts runs its own stack with them on).
  const stack = await startLocalStackProcess({
    // This stack serves most suites for the whole run: its DynamoDB Local keeps the JVM's full (C2) compiler,
    // which pays for its slower start over minutes of traffic (the short-lived stacks of single files don't).
    // It also serves nearly every route over the run, so it loads every handler before "ready", as `npm start` does.
    env: { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_SANDBOX_TIME_SCALE: '', STACKPRO_RATE_LIMIT: 'off', JAVA_TOOL_OPTIONS: process.env.JAVA_TOOL_OPTIONS ?? '', STACKPRO_WARM_HANDLERS: '' },
  });
  globalThis.__STACKPRO_LOCAL_STACK__ = stack;
  process.env.STACKPRO_API_URL = stack.apiUrl;
  process.env.STACKPRO_EDGE_URL = stack.edgeUrl;
  // Suites that run a workflow step's code against this stack (messaging's channel allocation) reach its DynamoDB Local.
  const dynamoDbUrl = /DynamoDB Local:\s+(http\S+)/.exec(stack.output())?.[1];
  if (dynamoDbUrl) process.env.STACKPRO_DYNAMODB_URL = dynamoDbUrl;
  // Tests use SDK clients too; the Node 20 support notice is noise in every worker's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
