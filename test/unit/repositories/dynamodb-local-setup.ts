import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../local/dynamodb-local';

declare global {
  var __STACKPRO_REPOSITORY_DDB__: { ddb: DynamoDbLocal; dataDir: string } | undefined;
}

/** The table name every unit test's environment names (test/unit/setup-env.ts). */
const TABLE_NAME = 'stackpro-unit';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One DynamoDB Local, with our table as CDK creates it, for every repository test of the run. The test
 * workers start after this and inherit its env: the repositories' own module-scope client reaches it
 * through AWS_ENDPOINT_URL_DYNAMODB, as the local stack's handlers do. Tests use unique keys, so they run
 * in parallel on the one table.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'stackpro-repository-tests-'));
  const ddb = await startDynamoDbLocal({ port: await freePort(), dataDir, tableName: TABLE_NAME });
  globalThis.__STACKPRO_REPOSITORY_DDB__ = { ddb, dataDir };
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.url;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
