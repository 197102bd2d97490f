import { spawn } from 'node:child_process';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { decodeProtectedHeader, importJWK, type CryptoKey } from 'jose';
import { generateSigningKey } from '../../lambdas/core/signing-keys';
import { signAccessToken } from '../../lambdas/core/tokens';
import { call, eventually, newSignup, signUpVerified, type ApiResponse } from './api-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * The signing key rotates under load: a stack of its own (its key history is this test's), rotated with the
 * operators' command while requests keep coming. No token may break; the new key signs new tokens.
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** `npx stackpro rotate-signing-key --edge <url>` (also `npm run admin -- ...`), as an operator types it. */
function runAdmin(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(REPO_ROOT, 'bin', 'stackpro.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('signing key rotation', () => {
  let stack: LocalStackProcess;
  let secrets: SecretsManagerClient;
  const trustedKids = async () => {
    const set = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: 'stackpro/jwt-public-keys' }))).SecretString!);
    return (set.keys as { kid: string }[]).map((key) => key.kid);
  };

  beforeAll(async () => {
    // Bursts of 50 measure tokens, not the per-client rate limits.
    // Signers re-read the key every second here (5 s in the local stack, 300 s at most in AWS): the test waits less.
    stack = await startLocalStackProcess({ env: { STACKPRO_RATE_LIMIT: 'off', SIGNING_KEY_CACHE_SECONDS: '1' } });
    secrets = new SecretsManagerClient({ endpoint: stack.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }, 90_000);

  afterAll(async () => {
    secrets?.destroy();
    await stack?.stop();
  });

  it('keeps every token working through a rotation under load, and signs new tokens with the new key', async () => {
    const base = stack.apiUrl;
    const signup = newSignup();
    const created = (await signUpVerified(signup, { base, edge: stack.edgeUrl })).body;
    const statusPath = `/customers/${created.customerId}/status`;
    const oldToken: string = created.accessToken;
    const oldKid = kidOf(oldToken);
    expect(await trustedKids()).toEqual([oldKid]);

    // Act: the operator rotates; bursts of 50 requests with the pre-rotation token run until it is done.
    let finished = false;
    const rotation = runAdmin(['rotate-signing-key', '--edge', stack.edgeUrl]).finally(() => (finished = true));
    const answers: ApiResponse[] = [];
    do {
      answers.push(...(await Promise.all(Array.from({ length: 50 }, () => call('GET', statusPath, { token: oldToken, base })))));
    } while (!finished);
    const rotated = await rotation;

    // Assert: rotated, and not one request refused along the way.
    expect(rotated.output).toMatch(/Rotated the signing key of the local stack/);
    expect(rotated.code).toBe(0);
    expect(answers.length).toBeGreaterThanOrEqual(50);
    expect(answers.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${answer.text}`)).toEqual([]);
    const [newKid, previousKid] = await trustedKids();
    expect(previousKid).toBe(oldKid);
    expect(newKid).not.toBe(oldKid);

    // The old access token still works; a new login is signed with the new key (signers re-read it within seconds).
    expect((await call('GET', statusPath, { token: oldToken, base })).status).toBe(200);
    const login = await eventually(async () => {
      const res = await call('POST', '/auth/login', { json: { email: signup.email, password: signup.password }, base });
      return res.status === 200 && kidOf(res.body.accessToken) === newKid ? res : undefined;
    }, 20_000, 'a login token signed with the new key');
    expect((await call('GET', statusPath, { token: login.body.accessToken, base })).status).toBe(200);

    // Refresh works with the refresh token issued before the rotation, and hands out a new-key token.
    const refreshed = await call('POST', '/auth/refresh', { json: { refreshToken: created.refreshToken }, base });
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe(newKid);
    expect((await call('GET', statusPath, { token: refreshed.body.accessToken, base })).status).toBe(200);

    // Both keys at once, concurrently: 50 requests, none refused.
    const mixed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call('GET', statusPath, { token: i % 2 ? oldToken : login.body.accessToken, base })),
    );
    expect(mixed.map((answer) => answer.status)).toEqual(mixed.map(() => 200));
  }, 120_000);

  it('refuses tokens forged with an unrelated key, under the new kid or an unknown one', async () => {
    const created = (await signUpVerified(newSignup(), { base: stack.apiUrl, edge: stack.edgeUrl })).body;
    const [currentKid] = await trustedKids();
    const unrelated = await generateSigningKey();
    const privateKey = (await importJWK(unrelated.privateJwk, 'ES256')) as CryptoKey;
    for (const kid of [currentKid, unrelated.kid]) {
      const forged = await signAccessToken(created.customerId, { kid, privateKey }, 900);
      const res = await call('GET', `/customers/${created.customerId}/status`, { token: forged, base: stack.apiUrl });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses a second rotation while the previous key may still have valid tokens, and changes nothing', async () => {
    const before = await trustedKids();

    const again = await runAdmin(['rotate-signing-key', '--edge', stack.edgeUrl]);

    expect(again.code).toBe(1);
    expect(again.output).toMatch(/Not rotated: the previous key may still have valid tokens.*next rotation can start at \d{4}-/s);
    expect(await trustedKids()).toEqual(before);
  }, 60_000);
});
