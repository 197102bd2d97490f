import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LocalStackProcessOptions {
  /** @default a new temp dir, removed on stop */
  readonly dataDir?: string;
  /**
   * Extra env for the stack (FRONTEND_ORIGIN, STACKPRO_SANDBOX_PROFILE, STACKPRO_SANDBOX_TIME_SCALE, ...);
   * wins over the defaults set here. The sandbox runs the `fast` profile unless this says otherwise.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** @default 60_000 */
  readonly readyTimeoutMs?: number;
  /** Copy the stack's output to stderr as it comes (handler errors land there). @default STACKPRO_SHOW_STACK_OUTPUT is set */
  readonly echoOutput?: boolean;
}

export interface LocalStackProcess {
  readonly apiUrl: string;
  readonly edgeUrl: string;
  readonly dataDir: string;
  /** The stack's Node process (bin/local.ts, as `npm start` runs it). */
  readonly pid: number;
  /** Its DynamoDB Local child, to prove it is gone after stop. */
  readonly dynamoDbPid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends the signal (Ctrl-C is SIGINT), waits for exit (SIGKILL after a deadline); resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const READY_LINE = /StackPro local stack ready on (http:\/\/\S+)/;
const EDGE_LINE = /edge \(AWS sandbox\): (http:\/\/\S+)/;
const DYNAMODB_PID = /DynamoDB Local:\s+\S+ \(pid (\d+)\)/;

/**
 * Runs `bin/local.ts` as a real child process, exactly as `npm start` would, on free ports and its own
 * data dir, and resolves once it printed its ready line.
 */
export async function startLocalStackProcess(options: LocalStackProcessOptions = {}): Promise<LocalStackProcess> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'stackpro-it-'));
  const [apiPort, edgePort, dynamoDbPort, websocketPort] = await freePorts(4);
  // tsx's loader in the stack's own Node process (what `tsx bin/local.ts` runs, minus its launcher process):
  // one process to start, and the signals of stop() reach the stack itself, SIGKILL included.
  const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(REPO_ROOT, 'bin', 'local.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(apiPort),
      SANDBOX_PORT: String(edgePort),
      DYNAMODB_PORT: String(dynamoDbPort),
      WEBSOCKET_PORT: String(websocketPort),
      STACKPRO_DATA_DIR: dataDir,
      LOG_LEVEL: 'ERROR',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      STACKPRO_SANDBOX_PROFILE: process.env.STACKPRO_SANDBOX_PROFILE || 'fast',
      // A LocalStack endpoint in the developer's shell must not turn the test stack's sandbox off.
      STACKPRO_AWS_ENDPOINT: '',
      // Tests fire bursts from one address to measure other things; the rate-limit test turns limits on.
      STACKPRO_RATE_LIMIT: 'off',
      STACKPRO_TRUST_X_FORWARDED_FOR: '',
      // Handlers load on their first call, not all before "ready": most test stacks call a few of them.
      STACKPRO_WARM_HANDLERS: 'off',
      // A test stack lives for seconds: DynamoDB Local's JVM with the quick (C1) compiler only starts on half
      // the CPU; the peak speed of C2, which `npm start` keeps, never pays off in a run this short.
      JAVA_TOOL_OPTIONS: [process.env.JAVA_TOOL_OPTIONS, '-XX:TieredStopAtLevel=1'].filter(Boolean).join(' '),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const echo = options.echoOutput ?? Boolean(process.env.STACKPRO_SHOW_STACK_OUTPUT);
  // Drain both pipes for the whole life of the process: a full pipe would block its writes.
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (echo) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    await waitForReady(child, () => output, exited, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stopChild(child, exited, 'SIGTERM');
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const apiPortText = new URL(READY_LINE.exec(output)?.[1] ?? '').port;
  return {
    apiUrl: `http://127.0.0.1:${apiPortText}`,
    edgeUrl: `http://127.0.0.1:${new URL(EDGE_LINE.exec(output)?.[1] ?? '').port}`,
    dataDir,
    pid: child.pid ?? -1,
    dynamoDbPid: Number(DYNAMODB_PID.exec(output)?.[1] ?? -1),
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      const code = await stopChild(child, exited, signal);
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

async function waitForReady(
  child: ChildProcess,
  output: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let poller: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve) => {
    poller = setInterval(() => {
      if (READY_LINE.test(output())) resolve();
    }, 50);
  });
  const failed = exited.then((code) => {
    throw new Error(`The local stack exited (code ${code}) before it was ready. Its output:\n${output()}`);
  });
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The local stack (pid ${child.pid}) was not ready within ${timeoutMs} ms. Its output:\n${output()}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([ready, failed, timedOut]);
  } finally {
    clearTimeout(timer);
    clearInterval(poller);
    failed.catch(() => undefined);
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    return await exited;
  } finally {
    clearTimeout(killer);
  }
}

/** Ports the OS just handed out, so parallel stacks never collide on fixed numbers. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The stack global-setup started for this run, as tests see it. */
export function sharedLocalStack(): { apiUrl: string; edgeUrl: string } {
  const apiUrl = process.env.STACKPRO_API_URL;
  const edgeUrl = process.env.STACKPRO_EDGE_URL;
  if (!apiUrl || !edgeUrl) {
    throw new Error('STACKPRO_API_URL is not set: run integration tests through jest (--selectProjects integration)');
  }
  return { apiUrl, edgeUrl };
}
