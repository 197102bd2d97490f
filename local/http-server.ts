import type { Server } from 'node:http';

export const LOCAL_HOST = '127.0.0.1';

/** Listens on the loopback interface only (the stack has no auth on its emulated AWS), failing in one line. */
export function listen(server: Server, port: number, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is already in use: stop what uses it or set ${variable} to another port`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, LOCAL_HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Closes the server, including idle keep-alive connections that would otherwise hold it open. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
