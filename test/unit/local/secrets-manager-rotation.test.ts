import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { secretsManagerService, SecretStore, type RotationInvoker } from '../../../local/edge/secrets-manager';
import type { EdgeRequest } from '../../../local/edge/edge-service';

function request(operation: string, body: object): EdgeRequest {
  return {
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': `secretsmanager.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify(body)),
    region: 'us-east-1',
  };
}

let dir: string;
let store: SecretStore;
let call: (operation: string, body: object) => Promise<{ status: number; body: Record<string, unknown> & { __type?: string } }>;
const NAME = 'stackpro/jwt-signing-key';
const stagesOf = async () => (await call('DescribeSecret', { SecretId: NAME })).body.VersionIdsToStages as Record<string, string[]>;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-secrets-'));
  store = new SecretStore(path.join(dir, 'secrets.json'));
  store.put(NAME, 'v1');
  const service = secretsManagerService(store);
  call = async (operation, body) => {
    const response = await service.handle(request(operation, body));
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A rotation function that does what ours does, through the edge's own API. */
const faithfulRotation = (value: string): RotationInvoker => async ({ Step, SecretId, ClientRequestToken }) => {
  if (Step === 'createSecret') await call('PutSecretValue', { SecretId, ClientRequestToken, SecretString: value, VersionStages: ['AWSPENDING'] });
  if (Step === 'finishSecret') {
    const current = Object.entries(await stagesOf()).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    const moved = await call('UpdateSecretVersionStage', { SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: ClientRequestToken, RemoveFromVersionId: current });
    if (moved.status !== 200) throw new Error(moved.body.__type);
  }
};

describe('the local Secrets Manager: versions and staging labels', () => {
  it('keeps one version per value, moves AWSCURRENT and labels the old one AWSPREVIOUS', async () => {
    store.put(NAME, 'v1');
    expect(Object.keys(await stagesOf())).toHaveLength(1);

    store.put(NAME, 'v2');

    expect(Object.values(await stagesOf()).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
    expect((await call('GetSecretValue', { SecretId: NAME })).body.SecretString).toBe('v2');
    expect((await call('GetSecretValue', { SecretId: NAME, VersionStage: 'AWSPREVIOUS' })).body.SecretString).toBe('v1');
  });

  it('treats PutSecretValue with the same token and value as a no-op, and another value as ResourceExistsException', async () => {
    const first = await call('PutSecretValue', { SecretId: NAME, ClientRequestToken: 't-1', SecretString: 'v2', VersionStages: ['AWSPENDING'] });
    const again = await call('PutSecretValue', { SecretId: NAME, ClientRequestToken: 't-1', SecretString: 'v2', VersionStages: ['AWSPENDING'] });
    const other = await call('PutSecretValue', { SecretId: NAME, ClientRequestToken: 't-1', SecretString: 'v3', VersionStages: ['AWSPENDING'] });

    expect([first.status, again.status]).toEqual([200, 200]);
    expect(other).toMatchObject({ status: 400, body: { __type: 'ResourceExistsException' } });
    expect((await call('GetSecretValue', { SecretId: NAME, VersionId: 't-1', VersionStage: 'AWSPENDING' })).body.SecretString).toBe('v2');
  });

  it('answers ResourceNotFoundException for a stage or version that holds no value', async () => {
    expect((await call('GetSecretValue', { SecretId: NAME, VersionStage: 'AWSPENDING' })).body.__type).toBe('ResourceNotFoundException');
    expect((await call('GetSecretValue', { SecretId: NAME, VersionId: 'nope' })).body.__type).toBe('ResourceNotFoundException');
  });

  it('refuses to move AWSCURRENT without naming the version it leaves', async () => {
    await call('PutSecretValue', { SecretId: NAME, ClientRequestToken: 't-1', SecretString: 'v2', VersionStages: ['AWSPENDING'] });
    const moved = await call('UpdateSecretVersionStage', { SecretId: NAME, VersionStage: 'AWSCURRENT', MoveToVersionId: 't-1' });
    expect(moved).toMatchObject({ status: 400, body: { __type: 'InvalidParameterException' } });
  });

  it('refuses RotateSecret on a secret without rotation', async () => {
    expect((await call('RotateSecret', { SecretId: NAME })).body.__type).toBe('InvalidRequestException');
    expect((await call('DescribeSecret', { SecretId: NAME })).body.RotationEnabled).toBe(false);
  });
});

describe('the local Secrets Manager: rotation', () => {
  it('runs the four steps in order with the new version id, then the version is current and LastRotatedDate set', async () => {
    const steps: string[] = [];
    const rotation = faithfulRotation('v2');
    store.enableRotation(NAME, { lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:Rotate', automaticallyAfterDays: 30, invoke: async (event) => {
      steps.push(`${event.Step}:${event.ClientRequestToken}`);
      await rotation(event);
    } });

    const rotated = await call('RotateSecret', { SecretId: NAME, ClientRequestToken: 'token-1' });
    await store.settled();

    expect(rotated.body).toMatchObject({ Name: NAME, VersionId: 'token-1' });
    expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => `${step}:token-1`));
    expect((await stagesOf())['token-1']).toEqual(['AWSCURRENT']);
    const described = (await call('DescribeSecret', { SecretId: NAME })).body;
    expect(described).toMatchObject({ RotationEnabled: true, RotationRules: { AutomaticallyAfterDays: 30 }, LastRotatedDate: expect.any(Number) });
  });

  it('leaves a failed rotation pending and reattempts it on the next RotateSecret (refusing a second one)', async () => {
    let fail = true;
    const rotation = faithfulRotation('v2');
    store.enableRotation(NAME, { lambdaArn: 'arn:rotate', automaticallyAfterDays: 30, invoke: async (event) => {
      if (fail && event.Step === 'testSecret') throw new Error('testSecret failed');
      await rotation(event);
    } });
    jest.spyOn(console, 'error').mockImplementation(() => undefined);

    await call('RotateSecret', { SecretId: NAME, ClientRequestToken: 'token-1' });
    await store.settled();
    expect((await stagesOf())['token-1']).toEqual(['AWSPENDING']);
    expect((await call('GetSecretValue', { SecretId: NAME })).body.SecretString).toBe('v1');

    fail = false;
    const again = await call('RotateSecret', { SecretId: NAME, ClientRequestToken: 'token-2' });
    await store.settled();

    expect(again.body).toMatchObject({ __type: 'InvalidRequestException', message: expect.stringMatching(/previous rotation isn't complete/) });
    expect((await stagesOf())['token-1']).toEqual(['AWSCURRENT']);
    expect(await stagesOf()).not.toHaveProperty('token-2');
  });

  it('keeps versions and labels across a restart, in a file only its owner can read', async () => {
    store.enableRotation(NAME, { lambdaArn: 'arn:rotate', automaticallyAfterDays: 30, invoke: faithfulRotation('v2') });
    await call('RotateSecret', { SecretId: NAME, ClientRequestToken: 'token-1' });
    await store.settled();

    const reopened = new SecretStore(path.join(dir, 'secrets.json'));

    expect(reopened.current(NAME)).toBe('v2');
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses to start over from a damaged file (new keys would log everyone out)', () => {
    writeFileSync(path.join(dir, 'secrets.json'), '{"secrets": [');
    expect(() => new SecretStore(path.join(dir, 'secrets.json'))).toThrow(/secrets\.json is not valid JSON.*delete it/);
  });
});
