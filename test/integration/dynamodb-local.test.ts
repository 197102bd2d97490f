import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';

/** Resolves with how a TCP connection to host:port ended: `connected` or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** This machine's addresses other than loopback: where another host on the network would connect. */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal && address.family === 'IPv4')
    .map((address) => address!.address);
}

describe('DynamoDB Local (issue 7, part 10)', () => {
  let dataDir: string;
  let ddb: DynamoDbLocal | undefined;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'stackpro-ddb-loopback-'));
    port = await freePort();
    ddb = await startDynamoDbLocal({ port, dataDir, tableName: 'LoopbackTest' });
  }, 120_000);

  afterAll(async () => {
    await ddb?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers on 127.0.0.1', async () => {
    expect(ddb?.url).toBe(`http://127.0.0.1:${port}`);
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
  });

  it('refuses connections on every other interface of this machine', async () => {
    const addresses = externalAddresses();
    // A machine with no network interface but loopback cannot show the difference; every CI host has one.
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect([address, await tryConnect(address, port)]).toEqual([address, 'ECONNREFUSED']);
  });
});
