import { Agent, request } from 'node:http';
import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Outcome } from './load';

/** The local stack's table (local/local-env.ts) and the profile item the status route reads. */
export const LOCAL_TABLE_NAME = 'stackpro-local';
const REQUEST_TIMEOUT_MS = 30_000;

export interface Account {
  readonly customerId: string;
  readonly accessToken: string;
}

/** A signup body unique to this run and tag (email and company must not repeat). */
export function signupBody(runTag: string, tag: string) {
  return {
    firstName: 'Bench',
    lastName: `Runner ${tag}`,
    email: `bench+${runTag}-${tag}@example.com`,
    company: `Bench ${runTag} ${tag}`,
    password: 'correct horse battery staple',
    plan: 'starter',
  };
}

/** POST /auth/signup; `ok` only for 201 with a customerId and an accessToken, which go into `accounts`. */
export async function signUp(apiUrl: string, body: object, accounts: Account[], timeoutMs = REQUEST_TIMEOUT_MS): Promise<Outcome> {
  const response = await httpPostJson(`${apiUrl}/auth/signup`, body, timeoutMs);
  const text = response.text;
  if (response.status !== 201) return { ok: false, status: String(response.status), detail: text.slice(0, 300) };
  const parsed = JSON.parse(text) as Partial<Account>;
  if (!parsed.customerId || !parsed.accessToken) return { ok: false, status: '201 without tokens', detail: text.slice(0, 300) };
  accounts.push({ customerId: parsed.customerId, accessToken: parsed.accessToken });
  return { ok: true, status: '201' };
}

/**
 * Follows the verification link the sandbox outbox holds for `email` (POST /auth/verify-email), as a
 * person would: provisioning starts here, not at signup.
 */
export async function verifyEmail(apiUrl: string, edgeUrl: string, email: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  let token: string | undefined;
  while (!token && Date.now() < deadline) {
    const outbox = (await (await fetch(`${edgeUrl}/_sandbox/outbox?to=${encodeURIComponent(email)}`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as {
      emails: { to: string[]; text?: string }[];
    };
    const mail = outbox.emails.find((candidate) => candidate.to.some((to) => to.toLowerCase() === email.toLowerCase()));
    token = mail?.text ? /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] : undefined;
    if (!token) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!token) return { ok: false, status: 'no verification email', detail: email };
  const response = await httpPostJson(`${apiUrl}/auth/verify-email`, { token }, timeoutMs);
  const text = response.text;
  return response.status === 200 ? { ok: true, status: '200' } : { ok: false, status: `verify ${response.status}`, detail: text.slice(0, 300) };
}

/**
 * Signup, then the verification link: the account that provisioning benchmarks need. `timeoutMs` per request
 * (a burst of a thousand queues in the local stack far longer than one request takes).
 */
export async function signUpVerified(apiUrl: string, edgeUrl: string, body: { email: string }, accounts: Account[], timeoutMs = REQUEST_TIMEOUT_MS): Promise<Outcome> {
  const created = await signUp(apiUrl, body, accounts, timeoutMs);
  return created.ok ? verifyEmail(apiUrl, edgeUrl, body.email, timeoutMs) : created;
}

/**
 * The HTTP client of the status reads: node:http with a keep-alive agent, as the SDK's NodeHttpHandler
 * sends the GetItems (keepAlive, 50 sockets), so both figures pay the same client, not fetch against http.
 */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 50 });
}

/** GET /customers/{id}/status with the account's bearer token; `ok` only for 200 naming that customer. */
export async function getStatus(apiUrl: string, account: Account, agent?: Agent): Promise<Outcome> {
  const { status, text } = await httpGet(`${apiUrl}/customers/${account.customerId}/status`, { authorization: `Bearer ${account.accessToken}` }, agent);
  if (status !== 200) return { ok: false, status: String(status), detail: text.slice(0, 300) };
  const parsed = JSON.parse(text) as { customerId?: string };
  if (parsed.customerId !== account.customerId) return { ok: false, status: '200 wrong body', detail: text.slice(0, 300) };
  return { ok: true, status: '200' };
}

/**
 * A JSON POST over node:http: unlike fetch (undici gives up after 300 s without response headers) it waits
 * as long as `timeoutMs`, which a request at the back of a 1,000-signup burst needs on a loaded machine.
 */
function httpPostJson(url: string, body: unknown, timeoutMs: number): Promise<{ status: number; text: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(payload.length) }, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function httpGet(url: string, headers: Record<string, string>, agent?: Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status route's own reads: `{pk}` and `{sk: PROFILE}` as stored by signup (README, data model). */
export function dynamoDbClient(endpoint: string): DynamoDBClient {
  // The SDK warns that its 2027 releases will need Node 22: noise in the bench output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    // No retries: a failed call shows up as a failure instead of as a slow success.
    maxAttempts: 1,
  });
}

/** The floor: one bare GetItem of the customer's profile item, straight to DynamoDB Local. */
export async function getProfileItem(client: DynamoDBClient, customerId: string): Promise<Outcome> {
  const pk = `CUSTOMER#${customerId}`;
  const result = await client.send(
    new GetItemCommand({ TableName: LOCAL_TABLE_NAME, Key: { pk: { S: pk }, sk: { S: 'PROFILE' } } }),
    { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
  );
  if (result.Item?.pk?.S !== pk) return { ok: false, status: 'item missing', detail: pk };
  return { ok: true, status: '200' };
}

/**
 * The floor of signup's write: one TransactWriteItems shaped like createAccount's (six conditional Puts:
 * profile, credentials, slug, two session items, the verification token), under keys of the bench's own
 * that nothing reads, straight to DynamoDB Local.
 */
export async function signupShapedTransaction(client: DynamoDBClient, runTag: string, index: number): Promise<Outcome> {
  const pk = `BENCHTXN#${runTag}-${index}`;
  const sks = ['PROFILE', 'CREDENTIALS', 'SLUG', 'SESSION', 'REFRESH', 'VERIFICATION'];
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: sks.map((sk) => ({
        Put: {
          TableName: LOCAL_TABLE_NAME,
          Item: { pk: { S: pk }, sk: { S: sk }, type: { S: 'bench' }, createdAt: { S: new Date().toISOString() }, filler: { S: 'x'.repeat(200) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
    }),
    { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
  );
  return { ok: true, status: '200' };
}
