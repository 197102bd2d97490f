import { createServer } from 'node:net';

/**
 * Fails with one clear line when a port is taken. DynamoDB Local needs this check up front: if another
 * instance already listens there, our readiness poll would happily talk to that one.
 */
export function assertPortFree(port: number, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is already in use: stop what uses it or set ${variable} to another port`)
          : error,
      );
    });
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Parses a port setting, failing on anything that is not a TCP port. */
export function parsePort(raw: string | undefined, fallback: number, variable: string): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable} must be a TCP port, got "${raw}"`);
  return port;
}
