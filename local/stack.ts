import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES } from '../lambdas/api/routes';
import { CAPACITY_WAIT, PROVISION_CUSTOMER, WORKFLOWS } from '../statemachines/workflows';
import { type ApiServer, startApiAdapter } from './api-adapter';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from './dynamodb-local';
import { ensureMessagingTable, messagingTableNameFor } from './messaging-table';
import { type EdgeServer, startEdgeServer } from './edge/server';
import { SecretStore, secretsManagerService } from './edge/secrets-manager';
import { createLambdaContext } from './lambda-context';
import { stepFunctionsService } from './edge/step-functions';
import { type HandlerLoader } from './handler-loader';
import { LOCAL_HOST } from './http-server';
import { invocationStore } from './invocation-scope';
import { LambdaWorkerPool, lambdaWorkersFromEnv } from './lambda-workers/pool';
import { workerModeLoader } from './lambda-workers/loader';
import { concurrencyLimitsFromEnv, FunctionConcurrency } from './function-concurrency';
import {
  applyLambdaEnv,
  buildLambdaEnv,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  LOCAL_TABLE_NAME,
  localStripeSecret,
  SIGNING_KEY_SECRET_ID,
  STRIPE_SECRET_ID,
} from './local-env';
import { clockSettingsFromEnv, SandboxClock } from './sandbox/clock';
import { createSandbox } from './sandbox/sandbox';
import { MAX_PUBLIC_IPS } from './sandbox/ec2';
import { createStripeSandbox, type StripeSandboxSettings } from './sandbox/stripe';
import { parsePort } from './ports';
import { ensureLocalSigningKey } from './signing-key';
import { startLocalScheduler } from './scheduler';
import { MESSAGING_JOBS, SCHEDULED_JOBS } from '../lambdas/scheduled/jobs';
import { rateLimitSettingsFromEnv, type RateLimitSettings } from './api-gateway/rate-limiter';
import { StepFunctionsEngine, stateMachineArn, type TimeOverrides } from './step-functions/engine';
import { ExecutionEvents } from './events/execution-events';
import { STOPPED_EXECUTION_HANDLER } from '../lambdas/workflows/execution-events';
import { INBOUND_HANDLERS } from '../lambdas/messaging/inbound-handlers';
import { snsEvent } from './events/sns-event';
import { STREAM_CONSUMERS } from '../lambdas/messaging/stream-consumers';
import { WEBSOCKET_HANDLERS } from '../lambdas/messaging/live/websocket-handlers';
import { startWebSocketGateway } from './websocket-gateway';
import { startStreamPoller } from './dynamodb-streams';

/** Scheduled jobs whose rate follows the sandbox's time scale (they wait for modelled AWS durations). */
const SANDBOX_CLOCK_JOBS: ReadonlySet<string> = new Set(['VerifyEmailDomains']);
/** Never busier than this, even on the instant profile (time scale 0). */
const MIN_JOB_INTERVAL_MS = 100;

export interface LocalStackOptions {
  /** API port. @default PORT, else 3000 */
  readonly port?: number;
  /** Edge (AWS sandbox) port. @default SANDBOX_PORT, else 4566 */
  readonly sandboxPort?: number;
  /** @default DYNAMODB_PORT, else 8000 */
  readonly dynamoDbPort?: number;
  /** The WebSocket API stand-in (and its @connections API). @default WEBSOCKET_PORT, else 3001 */
  readonly websocketPort?: number;
  /** @default STACKPRO_DATA_DIR, else `<repo>/.stackpro` */
  readonly dataDir?: string;
  /** Where settings come from and where the Lambdas' env goes. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Replaces how handlers are loaded (tests and benchmarks), in this thread. @default `lambdas/<handler>.ts`,
   * in this thread, or in worker threads as STACKPRO_LAMBDA_WORKERS says (lambda-workers/pool.ts)
   */
  readonly loadHandler?: HandlerLoader;
  /** Per-state Wait and Retry times (ms) for the workflows; they win over the sandbox clock's scaling. */
  readonly timeOverrides?: TimeOverrides;
  /** Log one line per API request. @default false */
  readonly logRequests?: boolean;
  /** Per-client rate limits. @default from STACKPRO_RATE_LIMIT (on unless `off`) and STACKPRO_TRUST_X_FORWARDED_FOR */
  readonly rateLimit?: RateLimitSettings;
  /**
   * Load every handler module before resolving, so the first request is not a cold start (and a
   * handler that cannot load is reported at once, as a warning), and with STACKPRO_LAMBDA_WORKERS=cpu-bound
   * the first worker of each CPU-bound function. Not with STACKPRO_LAMBDA_WORKERS=N (every function in workers): they start lazily. @default false
   */
  readonly warmHandlers?: boolean;
}

export interface LocalStack {
  /** The API Gateway stand-in. */
  readonly apiUrl: string;
  /** The messaging WebSocket API's stand-in: `ws://127.0.0.1:<WEBSOCKET_PORT>/live` (MESSAGING_WEBSOCKET_URL). */
  readonly websocketUrl: string;
  /** The one port for every emulated AWS service (Step Functions, Secrets Manager, ...). */
  readonly edgeUrl: string;
  /** DynamoDB Local's URL, or the STACKPRO_AWS_ENDPOINT (LocalStack) when that is set. */
  readonly dynamoDbUrl: string;
  /** -1 when no DynamoDB Local was started (LocalStack mode). */
  readonly dynamoDbPid: number;
  /** The sandbox's clock (profile and time scale); undefined in LocalStack mode. */
  readonly sandboxClock?: SandboxClock;
  /** The per-client rate limits the API applies (on by default, like the deployed WAF). */
  readonly rateLimit: RateLimitSettings;
  /** STACKPRO_AWS_ENDPOINT, when the stack talks to LocalStack instead of its own sandbox. */
  readonly awsEndpoint?: string;
  readonly dataDir: string;
  /** The Step Functions engine, for callers that want to wait for an execution to settle. */
  readonly stepFunctions: StepFunctionsEngine;
  /** Stripe in test mode on the edge port: the key it accepts, where it sends webhooks, how it signs them. */
  readonly stripe: { readonly apiBase: string; readonly secretKey: string; readonly webhookUrl?: string; readonly webhookSecret: string };
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..');
/** The local Secrets Manager's state (0600): the signing keys with their versions, the Stripe keys. */
export const SECRETS_FILE = 'secrets.json';
/** Secrets Manager's rotation function for the signing key, as lib/signing-key.ts deploys it. */
const SIGNING_KEY_ROTATION_HANDLER = 'infra/rotate-signing-key';

let runningStack: LocalStack | undefined;

/**
 * Starts the whole backend offline: DynamoDB Local, the AWS edge (Step Functions running our ASL,
 * Secrets Manager with the signing key, and the sandbox's EC2, Route 53, SESv2 and SSM), and the API
 * adapter calling the Lambda handlers in-process (or, with STACKPRO_LAMBDA_WORKERS, the CPU-bound functions or
 * every function in worker threads of their own). Handlers read their settings from process.env at load (workers get a copy), so
 * there can be one stack per process.
 *
 * LocalStack compatibility: with STACKPRO_AWS_ENDPOINT set (e.g. http://localhost:4566 of a running
 * LocalStack), DynamoDB, EC2, Route 53, SESv2 and SSM calls go there, and neither DynamoDB Local nor the
 * sandbox services start (our table is created there if missing). Step Functions and Secrets Manager stay
 * on our edge: the workflows' step handlers run in this process and the signing key is generated here,
 * neither of which LocalStack holds unless the CDK stack was deployed into it.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (runningStack) throw new Error('A local stack is already running in this process; stop it first');
  const env = options.env ?? process.env;
  const ports = {
    api: options.port ?? parsePort(env.PORT, 3000, 'PORT'),
    edge: options.sandboxPort ?? parsePort(env.SANDBOX_PORT, 4566, 'SANDBOX_PORT'),
    dynamoDb: options.dynamoDbPort ?? parsePort(env.DYNAMODB_PORT, 8000, 'DYNAMODB_PORT'),
    websocket: options.websocketPort ?? parsePort(env.WEBSOCKET_PORT, 3001, 'WEBSOCKET_PORT'),
  };
  const dataDir = path.resolve(options.dataDir ?? (env.STACKPRO_DATA_DIR || path.join(REPO_ROOT, '.stackpro')));
  mkdirSync(dataDir, { recursive: true });

  const awsEndpoint = env.STACKPRO_AWS_ENDPOINT || undefined;
  if (awsEndpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(awsEndpoint)) {
    throw new Error(`STACKPRO_AWS_ENDPOINT must be an http(s) URL such as http://localhost:4566, got "${awsEndpoint}"`);
  }
  const clock = new SandboxClock(clockSettingsFromEnv(env));
  const rateLimit = options.rateLimit ?? rateLimitSettingsFromEnv(env);
  const edgeUrl = `http://${LOCAL_HOST}:${ports.edge}`;
  const apiUrl = `http://${LOCAL_HOST}:${ports.api}`;
  const dynamoDbUrl = awsEndpoint ?? `http://${LOCAL_HOST}:${ports.dynamoDb}`;
  // Before any handler module loads: their SDK clients read the endpoints when they are created.
  applyLambdaEnv(
    env,
    buildLambdaEnv({
      dataDir,
      edgeUrl,
      dynamoDbUrl,
      provisioningStateMachineArn: stateMachineArn(PROVISION_CUSTOMER.id),
      inherited: env,
      awsEndpoint,
      apiUrl,
      websocketPort: ports.websocket,
    }),
  );
  // Before any handler loads: each invocation then runs in its own scope (local/invocation-scope.ts).
  invocationStore();
  const stripeSecret = localStripeSecret(env);
  const stripeSettings: StripeSandboxSettings = {
    secretKey: stripeSecret.secretKey,
    webhookSecret: stripeSecret.webhookSecret,
    webhookUrl: env.STACKPRO_WEBHOOK_URL || undefined,
    publicUrl: edgeUrl,
  };

  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    // Reverse order: stop taking requests first, the database last.
    for (const stop of stoppers.reverse().splice(0)) {
      await stop().catch((error: unknown) => console.error('[stack] stopping failed:', error));
    }
  };
  try {
    let dynamoDb: DynamoDbLocal | undefined;
    if (awsEndpoint === undefined) {
      dynamoDb = await startDynamoDbLocal({ port: ports.dynamoDb, dataDir, tableName: LOCAL_TABLE_NAME });
      stoppers.push(() => (dynamoDb as DynamoDbLocal).stop());
    } else {
      await ensureLocalStackTable(awsEndpoint);
    }

    // Lambda runs each function in environments of its own. Here every function runs in this thread unless
    // STACKPRO_LAMBDA_WORKERS says `cpu-bound` (the functions that hash passwords in worker threads, so hashes
    // use every core and never block the other invocations' awaits) or N (every function in workers).
    const workerMode = lambdaWorkersFromEnv(env);
    const pool = options.loadHandler === undefined && workerMode.functions !== 'none' ? new LambdaWorkerPool({ maxWorkersPerFunction: workerMode.perFunction, env }) : undefined;
    if (pool) stoppers.push(() => pool.close());
    const unlimitedLoader = options.loadHandler ?? workerModeLoader(workerMode, pool);
    // At most STACKPRO_LAMBDA_CONCURRENCY invocations per function run at once, as Lambda would run them in
    // environments of their own; bursts queue. API invocations are also bounded all together
    // (STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY): API Gateway's 29 s and middy's early timeout start when one
    // leaves the queue, so it must then finish without competing with every other request. Workflow steps
    // queue per function only: a Task's TimeoutSeconds counts from the state's start, queue included, so an
    // account-wide queue shared with a signup burst failed executions with States.Timeout.
    const limits = concurrencyLimitsFromEnv(env);
    const concurrency = new FunctionConcurrency(limits);
    const loadHandler = new FunctionConcurrency({ perFunction: limits.perFunction, account: Number.MAX_SAFE_INTEGER }).wrap(unlimitedLoader);
    // On disk, so keys (and their rotations) survive a restart, and tokens with them.
    const secrets = new SecretStore(path.join(dataDir, SECRETS_FILE));
    await ensureLocalSigningKey(secrets, dataDir);
    secrets.enableRotation(SIGNING_KEY_SECRET_ID, {
      lambdaArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:RotateSigningKey`,
      automaticallyAfterDays: 30,
      invoke: async (event) => (await loadHandler(SIGNING_KEY_ROTATION_HANDLER))(event, createLambdaContext({ functionName: 'RotateSigningKey', timeoutMs: 30_000 })),
    });
    secrets.put(STRIPE_SECRET_ID, JSON.stringify(stripeSecret));
    // The EventBridge rule on execution status changes (FAILED, TIMED_OUT, ABORTED): before the engine,
    // which reports the executions a crash interrupted as it loads them; delivered once the stack answers.
    const executionEvents = new ExecutionEvents({
      dir: path.join(dataDir, 'events'),
      deliver: async (event) =>
        (await loadHandler(STOPPED_EXECUTION_HANDLER))(event, createLambdaContext({ functionName: 'RecoverStoppedExecution', timeoutMs: 60_000 })),
    });
    const stepFunctions = new StepFunctionsEngine({
      workflows: WORKFLOWS,
      dataDir,
      loadHandler,
      timeOverrides: options.timeOverrides,
      // The sandbox's clock compresses the workflows' Wait and Retry times too; at scale 1 with no cap the
      // engine keeps ASL's own backoff and jitter.
      timeScale: clock.scale === 1 && clock.settings.waitCapMs === undefined ? undefined : (seconds) => clock.workflowMs(seconds),
      onExecutionEnded: (record) => executionEvents.emit(record),
      // The capacity wait is a deadline the launch step checks against the wall clock: compressed like the model, never capped.
      waits: { CapacityWaitSeconds: Math.ceil(clock.secondsToMs(optionalCount(env, 'STACKPRO_CAPACITY_WAIT_SECONDS', 0, CAPACITY_WAIT.maxSeconds) ?? CAPACITY_WAIT.defaultSeconds) / 1000) },
    });
    const sandbox =
      awsEndpoint === undefined
        ? createSandbox({
            dataDir,
            clock,
            settings: sandboxSettings(env),
            stripe: stripeSettings,
            // SNS to the inbound Lambdas: one notification per invocation, in SNS's event envelope.
            deliverSns: async (topic, message) =>
              (await loadHandler(INBOUND_HANDLERS[topic].handler))(snsEvent(topic, message), createLambdaContext({ functionName: INBOUND_HANDLERS[topic].id, timeoutMs: 30_000 })),
          })
        : undefined;
    // LocalStack has no Stripe: in that mode Stripe still runs here, on its own.
    const stripe = sandbox?.stripe ?? createStripeSandbox(path.join(dataDir, 'sandbox'), clock, stripeSettings);
    // The EventBridge schedules (lambdas/scheduled/jobs.ts), with a control to run a job for any moment.
    // The DKIM sweep waits on SES's modelled verification time, so it runs on the sandbox's clock (every 5
    // model minutes: about 200 ms on the fast profile, 5 minutes on realistic); the others at their real rates.
    const scheduler = startLocalScheduler({
      jobs: [...SCHEDULED_JOBS, ...MESSAGING_JOBS],
      loadHandler,
      intervalMs: (job) => (SANDBOX_CLOCK_JOBS.has(job.id) ? Math.max(MIN_JOB_INTERVAL_MS, clock.workflowMs(job.everyMinutes * 60)) : undefined),
    });
    stoppers.push(async () => scheduler.stop());
    const edge: EdgeServer = await startEdgeServer({
      port: ports.edge,
      services: { ...sandbox?.services, states: stepFunctionsService(stepFunctions), secretsmanager: secretsManagerService(secrets) },
      sandboxRoutes: { ...(sandbox?.routes ?? stripe.routes), ...scheduler.routes },
      stripe: stripe.service,
    });
    stoppers.push(() => edge.close(), () => stepFunctions.shutdown(), () => secrets.settled());

    // The adapter queues through the same limit itself, so API Gateway's timeout leaves the queue out.
    const api: ApiServer = await startApiAdapter(ports.api, { loadHandler: unlimitedLoader, concurrency, logRequests: options.logRequests, rateLimit });
    stoppers.push(() => api.close());
    // The messaging WebSocket API and its @connections API; then the table's stream to its consumers
    // (lambdas/messaging/stream-consumers.ts), as Lambda's event source mappings deliver it.
    const websocket = await startWebSocketGateway(ports.websocket, loadHandler);
    stoppers.push(() => websocket.close());
    const streamPoller = await startStreamPoller({ endpoint: dynamoDbUrl, tableName: messagingTableNameFor(LOCAL_TABLE_NAME), consumers: STREAM_CONSUMERS, loadHandler });
    stoppers.push(() => streamPoller.stop());
    // With every function in workers they start lazily, on a function's first invocation: warming would
    // start one per function. With `cpu-bound` it starts the first worker of each CPU-bound function.
    if (options.warmHandlers && workerMode.functions !== 'all') await warmHandlers(unlimitedLoader);
    // Last in, first out: at shutdown deliveries stop before the engine aborts what still runs, so those
    // events wait on disk for the next start, when the stack can act on them.
    executionEvents.start();
    stoppers.push(() => executionEvents.stop());

    const stack: LocalStack = {
      apiUrl: api.url,
      websocketUrl: websocket.url,
      edgeUrl: edge.url,
      dynamoDbUrl: dynamoDb?.url ?? dynamoDbUrl,
      dynamoDbPid: dynamoDb?.pid ?? -1,
      sandboxClock: sandbox ? clock : undefined,
      rateLimit,
      awsEndpoint,
      dataDir,
      stepFunctions,
      stripe: { apiBase: edge.url, secretKey: stripeSettings.secretKey, webhookUrl: stripeSettings.webhookUrl, webhookSecret: stripeSettings.webhookSecret },
      stop: async () => {
        await stopAll();
        if (runningStack === stack) runningStack = undefined;
      },
    };
    runningStack = stack;
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The sandbox models the account the Lambdas think they run in: the same settings they were given. */
function sandboxSettings(lambdaEnv: NodeJS.ProcessEnv) {
  const read = (name: string) => lambdaEnv[name] ?? '';
  return {
    hostedZoneId: read('HOSTED_ZONE_ID'),
    zoneName: read('CUSTOMER_DOMAIN'),
    launchTemplateId: read('LAUNCH_TEMPLATE_ID'),
    subnetIds: read('SUBNET_IDS').split(',').map((id) => id.trim()).filter(Boolean),
    senderAddress: read('SENDER_ADDRESS'),
    deployDocumentName: read('DEPLOY_DOCUMENT_NAME'),
    // The account's capacity, so running out of it can be tested (README "Local sandbox").
    vcpuQuota: optionalCount(lambdaEnv, 'STACKPRO_SANDBOX_VCPU_QUOTA', 0),
    publicIpPool: optionalCount(lambdaEnv, 'STACKPRO_SANDBOX_PUBLIC_IPS', 1, MAX_PUBLIC_IPS),
  };
}

/** A whole number from the environment, or undefined when unset; fails in one line on a bad value. */
function optionalCount(env: NodeJS.ProcessEnv, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** LocalStack mode: our table in LocalStack's DynamoDB, created on first start. */
async function ensureLocalStackTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
    await ensureMessagingTable(client, messagingTableNameFor(LOCAL_TABLE_NAME));
  } finally {
    client.destroy();
  }
}

/** Loads every route, authorizer and workflow step handler; one warning line per module that fails. */
async function warmHandlers(loadHandler: HandlerLoader): Promise<void> {
  const handlerPaths = new Set([
    ...ROUTES.map((route) => route.handler),
    CUSTOMER_AUTHORIZER_HANDLER,
    ...WORKFLOWS.flatMap((workflow) => Object.values(workflow.steps).map((step) => step.handler)),
    ...[...SCHEDULED_JOBS, ...MESSAGING_JOBS].map((job) => job.handler),
    STOPPED_EXECUTION_HANDLER,
    ...Object.values(INBOUND_HANDLERS).map((inbound) => inbound.handler),
    ...Object.values(WEBSOCKET_HANDLERS).map((route) => route.handler),
    ...STREAM_CONSUMERS.map((consumer) => consumer.handler),
  ]);
  // All at once: the loads in this thread run one after another anyway (require is synchronous), while the
  // workers of the CPU-bound functions load on their own threads meanwhile.
  await Promise.all(
    [...handlerPaths].map((handlerPath) =>
      loadHandler(handlerPath).catch((error: unknown) => {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        console.warn(`[stack] lambdas/${handlerPath}.ts cannot be loaded: ${reason}`);
      }),
    ),
  );
}
