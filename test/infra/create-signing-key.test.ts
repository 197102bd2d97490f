import './handler-env';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { importJWK, SignJWT, jwtVerify, createLocalJWKSet, type JWK } from 'jose';
import { generateSigningKey, publicKeySetFor, type StoredSigningKey } from '../../lambdas/core/signing-keys';
import { handler } from '../../lambdas/infra/create-signing-key';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:SigningKeySecret-abc123';
const PUBLIC_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:SigningKeyPublicKeys-def456';
const PLACEHOLDER = 'x!Q9#placeholder';

type Properties = { ServiceToken: string; SecretId: string; PublicKeysSecretId: string };
function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent<Properties> {
  const properties = { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider', SecretId: SECRET_ARN, PublicKeysSecretId: PUBLIC_ARN };
  const common = {
    ServiceToken: properties.ServiceToken,
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/StackPro/1',
    RequestId: 'request-1',
    LogicalResourceId: 'SigningKeyKeyGenerator',
    ResourceType: 'Custom::StackProSigningKey',
    ResourceProperties: properties,
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') {
    return { ...common, RequestType: 'Update', PhysicalResourceId: 'kid-1', OldResourceProperties: { ...properties, PublicKeysSecretId: undefined } as never };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'kid-1' };
}

function serve(secretId: string, value: string | Error): void {
  const stub = secrets.on(GetSecretValueCommand, { SecretId: secretId });
  if (value instanceof Error) stub.rejects(value);
  else stub.resolves({ SecretString: value });
}

const writesTo = (secretId: string) =>
  secrets.commandCalls(PutSecretValueCommand).filter((call) => call.args[0].input.SecretId === secretId).map((call) => JSON.parse(call.args[0].input.SecretString!));

beforeEach(() => {
  secrets.reset();
  secrets.on(PutSecretValueCommand).resolves({});
});

describe('create-signing-key', () => {
  it('on Create generates an ES256 pair into the private secret and publishes only its public half', async () => {
    serve(SECRET_ARN, PLACEHOLDER);
    serve(PUBLIC_ARN, PLACEHOLDER);

    const response = await handler(event('Create'));

    const [stored] = writesTo(SECRET_ARN) as StoredSigningKey[];
    expect(stored.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: stored.kid, alg: 'ES256', d: expect.any(String) });
    const [published] = writesTo(PUBLIC_ARN) as { keys: JWK[] }[];
    expect(published.keys).toHaveLength(1);
    expect(published.keys[0]).toMatchObject({ kid: stored.kid, alg: 'ES256', use: 'sig', x: stored.publicJwk.x });
    expect(JSON.stringify(published)).not.toContain('"d"');
    expect(response).toEqual({ PhysicalResourceId: stored.kid });
  });

  it('produces a pair whose published half verifies what the private half signs', async () => {
    serve(SECRET_ARN, PLACEHOLDER);
    serve(PUBLIC_ARN, PLACEHOLDER);
    await handler(event('Create'));
    const [stored] = writesTo(SECRET_ARN) as StoredSigningKey[];
    const [published] = writesTo(PUBLIC_ARN) as { keys: JWK[] }[];

    const token = await new SignJWT({ sub: 'c-1' }).setProtectedHeader({ alg: 'ES256', kid: stored.kid }).sign(await importJWK(stored.privateJwk, 'ES256'));
    const { payload } = await jwtVerify(token, createLocalJWKSet(published));

    expect(payload.sub).toBe('c-1');
  });

  it.each(['Create', 'Update'] as const)('on %s keeps a key that exists (a retry, a redeploy, a rotated key) and writes nothing', async (type) => {
    const [rotated, previous] = await Promise.all([generateSigningKey(), generateSigningKey()]);
    serve(SECRET_ARN, JSON.stringify(rotated));
    serve(PUBLIC_ARN, JSON.stringify(publicKeySetFor(rotated, previous)));

    const response = await handler(event(type));

    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(response.PhysicalResourceId).toBe(type === 'Create' ? rotated.kid : 'kid-1');
  });

  it('on Update of a stack that predates rotation publishes the existing key, and keeps it', async () => {
    const existing = await generateSigningKey();
    serve(SECRET_ARN, JSON.stringify(existing));
    serve(PUBLIC_ARN, PLACEHOLDER);

    await handler(event('Update'));

    expect(writesTo(SECRET_ARN)).toEqual([]);
    expect(writesTo(PUBLIC_ARN)).toEqual([publicKeySetFor(existing, undefined)]);
  });

  it.each([
    ['still holds the generated placeholder', PLACEHOLDER],
    ['does not exist', new ResourceNotFoundException({ message: 'gone', $metadata: {} })],
  ])('on Update writes a new key when the secret %s', async (_case, value) => {
    serve(SECRET_ARN, value);
    serve(PUBLIC_ARN, PLACEHOLDER);

    await handler(event('Update'));

    const [stored] = writesTo(SECRET_ARN) as StoredSigningKey[];
    expect(writesTo(PUBLIC_ARN)[0].keys[0].kid).toBe(stored.kid);
  });

  it('on Update fails (rather than replacing the key) when the secret cannot be read', async () => {
    serve(SECRET_ARN, new Error('AccessDenied'));

    await expect(handler(event('Update'))).rejects.toThrow('AccessDenied');
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('on Delete touches nothing', async () => {
    const response = await handler(event('Delete'));

    expect(secrets.calls()).toHaveLength(0);
    expect(response).toEqual({ PhysicalResourceId: 'kid-1' });
  });
});
