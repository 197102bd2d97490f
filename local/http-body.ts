import type { IncomingMessage } from 'node:http';

export type BodyReadResult = { readonly tooLarge: false; readonly body: Buffer } | { readonly tooLarge: true };

/**
 * How much of an oversized body we still read (and discard) before answering. Answering while the client is
 * still writing makes it fail with EPIPE instead of reading our 413; past this much, we stop being polite.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a request body up to `limitBytes`. Past the limit it stops keeping chunks (so a huge upload costs
 * no memory) and drains the rest (up to DRAIN_LIMIT_BYTES) before resolving, so the client reads our error
 * response rather than a broken pipe.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyReadResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > limitBytes;
    let settled = false;
    const settle = (result: BodyReadResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    if (tooLarge && declared > DRAIN_LIMIT_BYTES) {
      req.resume();
      settle({ tooLarge: true });
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT_BYTES) return settle({ tooLarge: true });
      if (tooLarge) return;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(tooLarge ? { tooLarge: true } : { tooLarge: false, body: Buffer.concat(chunks) }));
    req.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}
