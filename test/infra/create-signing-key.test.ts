import './handler-env';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { importJWK, SignJWT, jwtVerify, type JWK } from 'jose';
import { handler } from '../../lambdas/infra/create-signing-key';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:SigningKeySecret-abc123';

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent<{ ServiceToken: string; SecretId: string }> {
  const properties = { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider', SecretId: SECRET_ARN };
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
    return { ...common, RequestType: 'Update', PhysicalResourceId: 'kid-1', OldResourceProperties: properties };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'kid-1' };
}

function storedSecret(): { kid: string; privateJwk: JWK; publicJwk: JWK } {
  const put = secrets.commandCalls(PutSecretValueCommand)[0];
  if (!put) throw new Error('no PutSecretValue call');
  return JSON.parse(put.args[0].input.SecretString!) as { kid: string; privateJwk: JWK; publicJwk: JWK };
}

beforeEach(() => {
  secrets.reset();
  secrets.on(PutSecretValueCommand).resolves({});
});

describe('create-signing-key', () => {
  it('on Create generates an ES256 pair, stores it, and returns only the public JWK', async () => {
    // Act
    const response = await handler(event('Create'));

    // Assert
    const stored = storedSecret();
    expect(secrets.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretId).toBe(SECRET_ARN);
    expect(stored.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: stored.kid, alg: 'ES256', d: expect.any(String) });
    const publicJwk = JSON.parse(response.Data!.publicJwk) as JWK;
    expect(publicJwk).toEqual(stored.publicJwk);
    expect(publicJwk).toMatchObject({ kid: stored.kid, alg: 'ES256', use: 'sig' });
    expect(publicJwk).not.toHaveProperty('d');
    expect(response.PhysicalResourceId).toBe(stored.kid);
  });

  it('produces a pair whose public half verifies what the private half signs', async () => {
    const response = await handler(event('Create'));
    const stored = storedSecret();

    const token = await new SignJWT({ sub: 'c-1' })
      .setProtectedHeader({ alg: 'ES256', kid: stored.kid })
      .sign(await importJWK(stored.privateJwk, 'ES256'));
    const { payload } = await jwtVerify(token, await importJWK(JSON.parse(response.Data!.publicJwk) as JWK, 'ES256'));

    expect(payload.sub).toBe('c-1');
  });

  it('on Update keeps the stored key and returns the same public JWK', async () => {
    await handler(event('Create'));
    const stored = storedSecret();
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(stored) });

    const response = await handler(event('Update'));

    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(JSON.parse(response.Data!.publicJwk)).toEqual(stored.publicJwk);
    expect(response.PhysicalResourceId).toBe(stored.kid);
  });

  it.each([
    ['still holds the generated placeholder', () => secrets.on(GetSecretValueCommand).resolves({ SecretString: 'x!Q9#placeholder' })],
    ['does not exist', () => secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }))],
  ])('on Update writes a new key when the secret %s', async (_case, arrange) => {
    arrange();

    const response = await handler(event('Update'));

    expect(JSON.parse(response.Data!.publicJwk)).toEqual(storedSecret().publicJwk);
  });

  it('on Update fails (rather than replacing the key) when the secret cannot be read', async () => {
    secrets.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));

    await expect(handler(event('Update'))).rejects.toThrow('AccessDenied');
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('on Delete touches nothing', async () => {
    const response = await handler(event('Delete'));

    expect(secrets.calls()).toHaveLength(0);
    expect(response).toEqual({ PhysicalResourceId: 'kid-1' });
  });
});
