import { rmSync } from 'node:fs';

/** Stops the repository tests' DynamoDB Local and removes its data. */
export default async function globalTeardown(): Promise<void> {
  const running = globalThis.__STACKPRO_REPOSITORY_DDB__;
  globalThis.__STACKPRO_REPOSITORY_DDB__ = undefined;
  await running?.ddb.stop();
  if (running) rmSync(running.dataDir, { recursive: true, force: true });
}
