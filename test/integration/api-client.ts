/** A tiny client for the local stack's REST API, as the frontend would call it. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  readonly body: any;
  readonly text: string;
}

export function apiBase(): string {
  const url = process.env.STACKPRO_API_URL;
  if (!url) throw new Error('STACKPRO_API_URL is not set: run integration tests through jest (global setup starts the local stack)');
  return url;
}

export async function call(
  method: string,
  path: string,
  options: { json?: unknown; body?: string; token?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined || options.body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${options.base ?? apiBase()}${path}`, {
    method,
    headers,
    body: options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

let counter = 0;

/** A signup body with an email no other test uses. */
export function newSignup(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const tag = `${process.pid}-${Date.now()}-${counter}`;
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `ada+${tag}@example.com`,
    company: `Analytical Engines ${tag}`,
    password: 'correct horse battery staple',
    plan: 'starter',
    ...overrides,
  };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` with the last value seen. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
}

export function edgeBase(): string {
  const url = process.env.STACKPRO_EDGE_URL;
  if (!url) throw new Error('STACKPRO_EDGE_URL is not set: run integration tests through jest (global setup starts the local stack)');
  return url;
}

/** One email from the sandbox's SESv2 outbox (`GET /_sandbox/outbox`). */
export interface SentEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly sentAt: string;
}

/** Every email the sandbox sent to `address` (case-insensitive), oldest first. */
export async function emailsTo(address: string, options: { edge?: string } = {}): Promise<SentEmail[]> {
  const res = await fetch(`${options.edge ?? edgeBase()}/_sandbox/outbox`, { headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET /_sandbox/outbox answered ${res.status}`);
  const { emails } = (await res.json()) as { emails: SentEmail[] };
  const wanted = address.trim().toLowerCase();
  return emails.filter((email) => email.to.some((to) => to.toLowerCase() === wanted));
}

const VERIFICATION_TOKEN = /\/verify-email\?token=([A-Za-z0-9_-]+)/;

/** The verification tokens sent to `address`, oldest first (read from the plain-text part, as a person would). */
export async function verificationTokensFor(address: string, options: { edge?: string } = {}): Promise<string[]> {
  return (await emailsTo(address, options))
    .map((email) => VERIFICATION_TOKEN.exec(email.text ?? '')?.[1])
    .filter((token): token is string => token !== undefined);
}

/** Waits for the `count`-th verification email to `address` and returns its token. */
export async function verificationToken(address: string, options: { edge?: string; count?: number } = {}): Promise<string> {
  const count = options.count ?? 1;
  return eventually(async () => (await verificationTokensFor(address, options))[count - 1], 10_000, `verification email #${count} to ${address}`);
}

/**
 * Signs up and does whatever else a real user must do before provisioning starts (open the verification
 * email in the sandbox outbox and follow its link), then returns the signup response (201 body:
 * customerId, accessToken, refreshToken, ...). Tests that need a customer whose stack gets provisioned call
 * this, never `POST /auth/signup` alone. `options.edge` is the stack's edge URL when `base` is not the
 * shared stack's API.
 */
export async function signUpVerified(
  json: Record<string, unknown> = newSignup(),
  // A stack of its own needs both URLs: its outbox is on its own edge.
  options: { base: string; edge: string } | { base?: undefined; edge?: undefined } = {},
): Promise<ApiResponse> {
  const res = await call('POST', '/auth/signup', { json, base: options.base });
  if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${res.text}`);
  const token = await verificationToken(String(json.email), { edge: options.edge });
  const verified = await call('POST', '/auth/verify-email', { json: { token }, base: options.base });
  if (verified.status !== 200) throw new Error(`verify-email answered ${verified.status}: ${verified.text}`);
  return res;
}
