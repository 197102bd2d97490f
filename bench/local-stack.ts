import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalStackProcess, startLocalStackProcess } from '../test/integration/local-stack-process';
import { nodeOptionsWithGuard } from './guard';

export interface BenchStack {
  readonly process: LocalStackProcess;
  readonly apiUrl: string;
  readonly dynamoDbUrl: string;
}

/** Ports the OS hands out on 127.0.0.1 right now (closed again before they are returned). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * Runs `fn` against a fresh local stack (`npm start` as a child process, on free ports, with a new temp
 * data dir, only error logs, and the loopback guard), and always stops it and removes the data dir
 * afterwards, also on error or on SIGINT/SIGTERM. `env` is added to the stack's (a sandbox profile, a time
 * scale; a NODE_OPTIONS given here must carry the loopback guard itself).
 */
export async function withLocalStack<T>(fn: (stack: BenchStack) => Promise<T>, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const [apiPort, sandboxPort, dynamoDbPort] = await freePorts(3);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'stackpro-bench-data-'));
  let running: LocalStackProcess | undefined;
  const cleanUp = async () => {
    const stack = running;
    running = undefined;
    if (stack) await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the local stack...`);
    interrupted = true;
    // While the stack is still starting, the start below sees `interrupted` and cleans up then.
    if (running) void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    running = await startLocalStackProcess({
      dataDir,
      env: {
        PORT: String(apiPort),
        SANDBOX_PORT: String(sandboxPort),
        DYNAMODB_PORT: String(dynamoDbPort),
        LOG_LEVEL: 'ERROR',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        NODE_OPTIONS: nodeOptionsWithGuard(),
        // The bench fires bursts from one address: per-client limits would measure themselves.
        STACKPRO_RATE_LIMIT: 'off',
        ...env,
      },
    });
    if (interrupted) {
      await cleanUp();
      process.exit(130);
    }
    return await fn({ process: running, apiUrl: running.apiUrl, dynamoDbUrl: `http://127.0.0.1:${dynamoDbPort}` });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}
