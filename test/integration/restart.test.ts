import { mkdtempSync, rmSync } from 'node:fs';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, importJWK } from 'jose';
import { call, newSignup } from './api-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * A stack of its own (not the shared one): stopped with Ctrl-C and started again on the same data dir,
 * every account, session and signing key must still be there, and so must the sandbox's inventory.
 */
describe('local stack restart', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-restart-'));
  let stack: LocalStackProcess | undefined;

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps accounts, sessions, tokens and the sandbox inventory (<dataDir>/sandbox) across a Ctrl-C and a restart', async () => {
    stack = await startLocalStackProcess({ dataDir });
    const signup = newSignup();
    const created = await call('POST', '/auth/signup', { json: signup, base: stack.apiUrl });
    expect(created.status).toBe(201);
    // An instance launched straight through the sandbox's EC2 API (the signup is unverified: nothing provisions).
    const ec2 = new EC2Client({ endpoint: stack.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const customer = `restart-${Date.now().toString(36)}`;
    const launched = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: 'lt-0stackprolocal', Version: '$Default' },
        InstanceType: 't3.micro',
        SubnetId: 'subnet-0local-a',
        MinCount: 1,
        MaxCount: 1,
        ClientToken: `${customer}-1-0`,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Customer', Value: customer }, { Key: 'ManagedBy', Value: 'stackpro' }] }],
      }),
    );
    ec2.destroy();
    expect(await stack.stop('SIGINT')).toBe(0);

    stack = await startLocalStackProcess({ dataDir });
    const base = stack.apiUrl;
    // The access token issued before the restart still verifies (same signing key), and the account is whole.
    const status = await call('GET', `/customers/${created.body.customerId}/status`, { token: created.body.accessToken, base });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ customerId: created.body.customerId, plan: signup.plan, subdomain: created.body.subdomain });
    // Credentials, the refresh token and email uniqueness survived too.
    expect((await call('POST', '/auth/login', { json: { email: signup.email, password: signup.password }, base })).status).toBe(200);
    expect((await call('POST', '/auth/refresh', { json: { refreshToken: created.body.refreshToken }, base })).status).toBe(200);
    expect((await call('POST', '/auth/signup', { json: { ...signup, company: 'Other' }, base })).status).toBe(409);
    // The sandbox kept what it had launched.
    const inventory = (await (await fetch(`${stack.edgeUrl}/_sandbox/inventory?customer=${customer}`)).json()) as { instances: Array<{ instanceId: string }> };
    expect(inventory.instances.map((instance) => instance.instanceId)).toEqual([launched.Instances?.[0]?.InstanceId]);
  }, 120_000);

  it('refuses an access token that expired, even one signed with the real key', async () => {
    stack ??= await startLocalStackProcess({ dataDir });
    const created = await call('POST', '/auth/signup', { json: newSignup(), base: stack.apiUrl });
    // The real current key, as the local Secrets Manager holds it.
    const secrets = new SecretsManagerClient({ endpoint: stack.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const key = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: 'stackpro/jwt-signing-key' }))).SecretString!);
    secrets.destroy();
    const privateKey = await importJWK(key.privateJwk, 'ES256');
    const token = (expiresAt: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
        .setSubject(created.body.customerId)
        .setIssuer('stackpro')
        .setAudience('stackpro-api')
        .setIssuedAt(expiresAt - 900)
        .setExpirationTime(expiresAt)
        .sign(privateKey);
    const now = Math.floor(Date.now() / 1000);
    const statusPath = `/customers/${created.body.customerId}/status`;
    // The same token, still valid, is accepted: only the expiry differs.
    expect((await call('GET', statusPath, { token: await token(now + 600), base: stack.apiUrl })).status).toBe(200);
    const res = await call('GET', statusPath, { token: await token(now - 3600), base: stack.apiUrl });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  }, 60_000);
});
