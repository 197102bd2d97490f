import type { IncomingMessage } from 'node:http';

export type BodyReadResult = { readonly tooLarge: false; readonly body: Buffer } | { readonly tooLarge: true };

/**
 * Reads a request body up to `limitBytes`. Past the limit it stops keeping chunks (so a huge upload costs
 * no memory) and lets the rest drain, so the client still reads our error response.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyReadResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.resolve({ tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve({ tooLarge: false, body: Buffer.concat(chunks) });
    });
    req.on('error', reject);
  });
}
