/**
 * `npm start`: the whole backend offline (no Docker, AWS account or network). Prints one "ready" line
 * once GET /health answers, and stops every child process and server on Ctrl-C or SIGTERM.
 */
import { CLIENT_RATE_RULES } from '../lambdas/api/client-rate-limits';
import { type LocalStack, startLocalStack } from '../local/stack';

const READY_LINE_PREFIX = 'StackPro local stack ready on ';

async function main(): Promise<void> {
  let stack: LocalStack | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: the user wants out now; the exit handlers still kill DynamoDB Local.
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  try {
    stack = await startLocalStack({
      logRequests: (process.env.LOG_LEVEL ?? 'INFO').toUpperCase() !== 'ERROR',
      // Every handler loaded before "ready" (a broken one is reported at once). Test stacks, started about twenty
      // times a run and each calling a few handlers, set STACKPRO_WARM_HANDLERS=off: a handler then loads on its first call.
      warmHandlers: process.env.STACKPRO_WARM_HANDLERS !== 'off',
    });
    await assertHealthy(stack.apiUrl);
  } catch (error) {
    console.error(`Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`);
    await stack?.stop();
    process.exit(1);
  }
  if (stopping) return;
  const port = new URL(stack.apiUrl).port;
  const edgePort = new URL(stack.edgeUrl).port;
  const clock = stack.sandboxClock;
  console.log(
    [
      `  edge (AWS sandbox): http://localhost:${edgePort}`,
      clock
        ? `  sandbox:            ${clock.profile} profile, time scale ${clock.scale} (inventory: http://localhost:${edgePort}/_sandbox/inventory, outbox: http://localhost:${edgePort}/_sandbox/outbox.html)`
        : `  LocalStack:         ${stack.awsEndpoint} (DynamoDB, EC2, Route 53, SESv2, SSM)`,
      stack.dynamoDbPid > 0 ? `  DynamoDB Local:     ${stack.dynamoDbUrl} (pid ${stack.dynamoDbPid})` : undefined,
      `  Stripe (test mode): http://localhost:${edgePort}/v1 (secret key ${stack.stripe.secretKey}), webhooks to ${stack.stripe.webhookUrl ?? '(none)'}`,
      `  webhook secret:     ${stack.stripe.webhookSecret}${
        process.env.STRIPE_WEBHOOK_SECRET ? ' (from STRIPE_WEBHOOK_SECRET)' : ' (the local default; set STRIPE_WEBHOOK_SECRET to override)'
      }`,
      `  live updates:       ${stack.websocketUrl}?token=<accessToken> (WebSocket; @connections on the same port)`,
      `  rate limits:        ${rateLimitLine(stack)}`,
      `  data:               ${stack.dataDir}`,
      `${READY_LINE_PREFIX}http://localhost:${port}`,
    ]
      .filter((line) => line !== undefined)
      .join('\n'),
  );
}

/** The per-client limits in one line, so a developer sees why a burst gets 429. */
function rateLimitLine(stack: LocalStack): string {
  if (!stack.rateLimit.enabled) return 'off (STACKPRO_RATE_LIMIT=off)';
  const rules = CLIENT_RATE_RULES.map((rule) => `${rule.name} ${rule.limit}/${rule.windowSeconds} s`).join(', ');
  const by = stack.rateLimit.trustForwardedFor ? 'X-Forwarded-For (trusted)' : 'remote address';
  return `on per ${by}: ${rules} (STACKPRO_RATE_LIMIT=off turns them off)`;
}

/** Ready means ready: the health route must answer through the adapter and its handler. */
async function assertHealthy(apiUrl: string): Promise<void> {
  const response = await fetch(`${apiUrl}/health`);
  if (response.status !== 200) {
    throw new Error(`GET /health answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
}

void main();
