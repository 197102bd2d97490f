import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { SandboxClock } from '../../../../local/sandbox/clock';
import { createStripeSandbox, type StripeSandbox } from '../../../../local/sandbox/stripe';

export const SECRET_KEY = 'sk_test_unit_sandbox';
export const WEBHOOK_SECRET = 'whsec_unit_test';

export interface CapturedWebhook {
  readonly body: string;
  readonly signature: string;
  readonly contentType: string;
}

/** A webhook endpoint on a free port that records every delivery and answers `status`. */
export async function webhookReceiver(status = 200): Promise<{ url: string; received: CapturedWebhook[]; close(): Promise<void> }> {
  const received: CapturedWebhook[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
        contentType: String(req.headers['content-type']),
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/stripe/webhooks`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A Stripe sandbox on its own temp dir and a hand-moved clock (epoch ms). */
export function testStripe(options: { webhookUrl?: string; now?: () => number } = {}): { sandbox: StripeSandbox; dataDir: string } {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-stripe-'));
  const clock = new SandboxClock({ profile: 'instant', scale: 0 }, options.now ?? Date.now);
  const sandbox = createStripeSandbox(path.join(dataDir, 'sandbox'), clock, {
    secretKey: SECRET_KEY,
    webhookUrl: options.webhookUrl,
    webhookSecret: WEBHOOK_SECRET,
    publicUrl: 'http://127.0.0.1:4566',
  });
  return { sandbox, dataDir };
}

/**
 * The real stripe-node client, its requests handed to the sandbox in-process through its fetch HTTP
 * client: stripe-node's own encoder, headers, retries and error classes run; the network does not.
 */
export function stripeClient(sandbox: StripeSandbox, key = SECRET_KEY, config: Stripe.StripeConfig = {}): Stripe {
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const headers = Object.fromEntries([...new Headers(init?.headers).entries()].map(([name, value]) => [name.toLowerCase(), value]));
    const body = init?.body === undefined || init.body === null ? Buffer.alloc(0) : Buffer.from(String(init.body));
    const response = await sandbox.service.handle({ method: init?.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: { host: '127.0.0.1:4566', ...headers }, body, region: 'us-east-1' });
    return new Response(response.body, { status: response.statusCode, headers: response.headers });
  };
  return new Stripe(key, {
    httpClient: Stripe.createFetchHttpClient(fetchFn as typeof fetch),
    host: 'stripe.sandbox.invalid',
    protocol: 'http',
    maxNetworkRetries: 0,
    ...config,
  });
}

/**
 * Waits until `condition` holds (deliveries run after an API response: setImmediate + fetch), polling with
 * a deadline rather than sleeping a guessed time, which a loaded machine outlasts.
 */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
