import { Agent, request } from 'node:http';
import type { FuzzCase } from './cases';

export interface FuzzAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly ms: number;
}

/**
 * Sends a case over plain node:http (fetch refuses some methods and headers the fuzz needs), on a
 * keep-alive agent. Resolves the answer; a connection that ends without one rejects.
 */
export function send(baseUrl: string, agent: Agent, fuzzCase: FuzzCase, timeoutMs = 30_000): Promise<FuzzAnswer> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: fuzzCase.method,
        path: fuzzCase.path,
        headers: { ...fuzzCase.headers, ...(declaresLength(fuzzCase) ? { 'content-length': String(fuzzCase.body.length) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The server may answer (413) and close before a huge body is written: the answer is what counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(fuzzCase.body);
  });
}

/** Content-Length for every body, except a chunked one (both at once is refused by the HTTP parser itself). */
function declaresLength(fuzzCase: FuzzCase): boolean {
  if (Object.keys(fuzzCase.headers).some((name) => name.toLowerCase() === 'transfer-encoding')) return false;
  return fuzzCase.body.length > 0 || fuzzCase.method !== 'GET';
}
