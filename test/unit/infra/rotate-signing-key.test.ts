import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createLocalJWKSet, importJWK, type CryptoKey } from 'jose';
import { generateSigningKey, publicKeySetFor, type PublicKeySet, type StoredSigningKey } from '../../../lambdas/core/signing-keys';
import { signAccessToken, verifyAccessToken } from '../../../lambdas/core/tokens';
import { handler } from '../../../lambdas/infra/rotate-signing-key';

const SECRET_ID = process.env.SIGNING_KEY_SECRET_ID!;
const PUBLIC_ID = process.env.JWT_PUBLIC_KEYS_SECRET_ID!;
const TOKEN = 'rotation-token-1';
const secrets = mockClient(SecretsManagerClient);
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value", $metadata: {} });

/** Secrets Manager's versions and labels, as far as the rotation function can see them. */
interface Version {
  value?: string;
  stages: string[];
  created: Date;
}
let versions: Map<string, Version>;
let publicVersions: Map<string, string>;
let publicValue: string;
let rotationEnabled: boolean;
let lastRotated: Date | undefined;
let original: StoredSigningKey;

function arrange(options: { published?: PublicKeySet; lastRotated?: Date; currentCreated?: Date } = {}) {
  versions = new Map([
    ['v-current', { value: JSON.stringify(original), stages: ['AWSCURRENT'], created: options.currentCreated ?? new Date(Date.now() - 40 * 86_400_000) }],
    // What RotateSecret made before calling the function: a labelled version with no value yet.
    [TOKEN, { stages: ['AWSPENDING'], created: new Date() }],
  ]);
  publicVersions = new Map();
  publicValue = JSON.stringify(options.published ?? publicKeySetFor(original, undefined));
  rotationEnabled = true;
  lastRotated = options.lastRotated;
}

function label(stage: string, to: string | undefined) {
  for (const version of versions.values()) version.stages = version.stages.filter((s) => s !== stage);
  if (to) versions.get(to)!.stages.push(stage);
}

beforeAll(async () => {
  original = await generateSigningKey();
});

beforeEach(() => {
  secrets.reset();
  arrange();
  secrets.on(DescribeSecretCommand).callsFake(() => ({
    RotationEnabled: rotationEnabled,
    LastRotatedDate: lastRotated,
    VersionIdsToStages: Object.fromEntries([...versions].map(([id, v]) => [id, [...v.stages]])),
  }));
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionId?: string; VersionStage?: string }) => {
    if (input.SecretId === PUBLIC_ID) return { SecretString: publicValue };
    const stage = input.VersionStage ?? (input.VersionId ? undefined : 'AWSCURRENT');
    const entry = [...versions].find(([id, v]) => (!input.VersionId || id === input.VersionId) && (!stage || v.stages.includes(stage)));
    if (!entry || entry[1].value === undefined) throw notFound();
    return { SecretString: entry[1].value, VersionId: entry[0], CreatedDate: entry[1].created };
  });
  secrets.on(PutSecretValueCommand).callsFake((input: { SecretId: string; SecretString: string; ClientRequestToken: string; VersionStages?: string[] }) => {
    if (input.SecretId === PUBLIC_ID) {
      const before = publicVersions.get(input.ClientRequestToken);
      if (before !== undefined && before !== input.SecretString) throw new ResourceExistsException({ message: 'exists', $metadata: {} });
      publicVersions.set(input.ClientRequestToken, input.SecretString);
      publicValue = input.SecretString;
      return {};
    }
    const version = versions.get(input.ClientRequestToken) ?? { stages: [], created: new Date() };
    if (version.value !== undefined && version.value !== input.SecretString) throw new ResourceExistsException({ message: 'exists', $metadata: {} });
    version.value = input.SecretString;
    versions.set(input.ClientRequestToken, version);
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) label(stage, input.ClientRequestToken);
    return {};
  });
  secrets.on(UpdateSecretVersionStageCommand).callsFake((input: { VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) => {
    const holder = [...versions].find(([, v]) => v.stages.includes(input.VersionStage))?.[0];
    if (holder && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) throw new Error('InvalidParameterException');
    label(input.VersionStage, input.MoveToVersionId);
    if (input.VersionStage === 'AWSCURRENT' && holder && holder !== input.MoveToVersionId) label('AWSPREVIOUS', holder);
    return {};
  });
});

const step = (Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret', token = TOKEN) =>
  handler({ Step, SecretId: SECRET_ID, ClientRequestToken: token });
const rotate = async () => {
  for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await step(name);
};
const keyWith = (stage: string) => JSON.parse([...versions.values()].find((v) => v.stages.includes(stage))!.value!) as StoredSigningKey;
const published = () => JSON.parse(publicValue) as PublicKeySet;
const tokenSignedBy = async (key: StoredSigningKey) =>
  signAccessToken('cust-1', { kid: key.kid, privateKey: (await importJWK(key.privateJwk, 'ES256')) as CryptoKey }, 900);

describe('rotate-signing-key', () => {
  it('makes a new key current, keeps the old one as previous, and trusts exactly those two', async () => {
    await rotate();

    const current = keyWith('AWSCURRENT');
    expect(current.kid).not.toBe(original.kid);
    expect(keyWith('AWSPREVIOUS').kid).toBe(original.kid);
    expect(published().keys.map((key) => key.kid)).toEqual([current.kid, original.kid]);
    expect(publicValue).not.toMatch(/"d"/);
    const trusted = createLocalJWKSet({ keys: [...published().keys] });
    await expect(verifyAccessToken(await tokenSignedBy(original), trusted)).resolves.toBe('cust-1');
    await expect(verifyAccessToken(await tokenSignedBy(current), trusted)).resolves.toBe('cust-1');
  });

  it('publishes the new public key before the new private key becomes current', async () => {
    await step('createSecret');
    await step('setSecret');

    expect(keyWith('AWSCURRENT').kid).toBe(original.kid);
    expect(published().keys.map((key) => key.kid)).toEqual([keyWith('AWSPENDING').kid, original.kid]);
  });

  it('gives the same result when every step is retried', async () => {
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await step(name);
      await step(name);
    }

    const current = keyWith('AWSCURRENT');
    expect(published().keys.map((key) => key.kid)).toEqual([current.kid, original.kid]);
    expect(secrets.commandCalls(PutSecretValueCommand).filter((call) => call.args[0].input.SecretId === SECRET_ID)).toHaveLength(1);
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(1);
    expect(new Set(publicVersions.values()).size).toBe(1);
  });

  it('keeps the key a concurrent createSecret stored first', async () => {
    secrets.on(PutSecretValueCommand, { SecretId: SECRET_ID }).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    await expect(step('createSecret')).resolves.toBeUndefined();
  });

  it('refuses to publish or test before createSecret ran', async () => {
    await expect(step('setSecret')).rejects.toThrow(/createSecret has not run/);
    await expect(step('testSecret')).rejects.toThrow(/createSecret has not run/);
    expect(publicValue).toBe(JSON.stringify(publicKeySetFor(original, undefined)));
  });

  it('fails testSecret when the published keys lack the new key (and finishing is left undone)', async () => {
    await step('createSecret');
    await expect(step('testSecret')).rejects.toThrow(/published public keys/);
    expect(keyWith('AWSCURRENT').kid).toBe(original.kid);
  });

  it('fails testSecret when the pending public half does not match its private half', async () => {
    await step('createSecret');
    const pending = keyWith('AWSPENDING');
    const impostor = await generateSigningKey();
    versions.get(TOKEN)!.value = JSON.stringify({ ...pending, publicJwk: { ...impostor.publicJwk, kid: pending.kid } });
    await step('setSecret');

    await expect(step('testSecret')).rejects.toThrow(/signature verification failed/);
  });

  it('refuses a rotation that would drop a key whose tokens may still be valid, and cancels it', async () => {
    const previous = await generateSigningKey();
    arrange({ published: publicKeySetFor(original, previous), lastRotated: new Date(Date.now() - 5 * 60_000) });

    await expect(step('createSecret')).rejects.toMatchObject({ name: 'RotationTooSoonError' });

    expect(versions.has(TOKEN) && versions.get(TOKEN)!.stages).toEqual([]);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('rotates once the previous key has been retired long enough', async () => {
    const previous = await generateSigningKey();
    arrange({ published: publicKeySetFor(original, previous), lastRotated: new Date(Date.now() - 3_600_000) });

    await rotate();

    expect(published().keys.map((key) => key.kid)).toEqual([keyWith('AWSCURRENT').kid, original.kid]);
  });

  it('rotates a key just deployed, when no previous key would be dropped', async () => {
    arrange({ currentCreated: new Date() });
    await rotate();
    expect(keyWith('AWSPREVIOUS').kid).toBe(original.kid);
  });

  it.each([
    ['rotation is not enabled', () => (rotationEnabled = false), /not enabled/],
    ['the version does not exist', () => versions.delete(TOKEN), /does not exist/],
    ['the version is not pending', () => (versions.get(TOKEN)!.stages = ['AWSPREVIOUS']), /not pending/],
  ])('refuses every step when %s', async (_case, breakIt, message) => {
    breakIt();
    await expect(step('createSecret')).rejects.toThrow(message);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});
