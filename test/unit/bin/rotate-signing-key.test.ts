import { DescribeSecretCommand, InvalidRequestException, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { rotateSigningKey, rotationTarget } from '../../../bin/rotate-signing-key';
import { MIN_ROTATION_INTERVAL_SECONDS } from '../../../lambdas/core/signing-keys';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SigningKeySecret-abc123';
const target = () => ({ description: 'test', secretId: SECRET_ARN, client: new SecretsManagerClient({ region: 'eu-west-1' }) });
const fast = { pollMs: 1, timeoutMs: 200 };

beforeEach(() => secrets.reset());

describe('rotate-signing-key', () => {
  it('rotates and waits until the new version is current', async () => {
    secrets
      .on(DescribeSecretCommand)
      .resolvesOnce({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSCURRENT'] } })
      .resolvesOnce({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSCURRENT'], v2: ['AWSPENDING'] } })
      .resolves({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSPREVIOUS'], v2: ['AWSCURRENT', 'AWSPENDING'] } });
    secrets.on(RotateSecretCommand).resolves({ VersionId: 'v2' });

    await expect(rotateSigningKey(target(), fast)).resolves.toEqual({ kind: 'rotated', versionId: 'v2' });
    expect(secrets.commandCalls(RotateSecretCommand)[0].args[0].input).toMatchObject({ SecretId: SECRET_ARN, RotateImmediately: true });
  });

  it('refuses without calling RotateSecret within the minimum interval of the last rotation', async () => {
    const lastRotated = new Date(Date.now() - 60_000);
    secrets.on(DescribeSecretCommand).resolves({ RotationEnabled: true, LastRotatedDate: lastRotated });

    const outcome = await rotateSigningKey(target(), fast);

    expect(outcome).toEqual({ kind: 'too-soon', notBefore: new Date(lastRotated.getTime() + MIN_ROTATION_INTERVAL_SECONDS * 1000) });
    expect(secrets.commandCalls(RotateSecretCommand)).toHaveLength(0);
  });

  it('reports a rotation the function refused or that failed (its version lost AWSPENDING)', async () => {
    secrets
      .on(DescribeSecretCommand)
      .resolvesOnce({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSCURRENT'] } })
      .resolvesOnce({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSCURRENT'], v2: ['AWSPENDING'] } })
      .resolves({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSCURRENT'], v2: [] } });
    secrets.on(RotateSecretCommand).resolves({ VersionId: 'v2' });

    await expect(rotateSigningKey(target(), fast)).resolves.toEqual({ kind: 'failed', versionId: 'v2' });
  });

  it('follows an unfinished rotation that Secrets Manager reattempts', async () => {
    secrets
      .on(DescribeSecretCommand)
      .resolvesOnce({ RotationEnabled: true })
      .resolvesOnce({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSCURRENT'], stuck: ['AWSPENDING'] } })
      .resolves({ RotationEnabled: true, VersionIdsToStages: { old: ['AWSPREVIOUS'], stuck: ['AWSCURRENT'] } });
    secrets.on(RotateSecretCommand).rejects(new InvalidRequestException({ message: "A previous rotation isn't complete. That rotation will be reattempted.", $metadata: {} }));

    await expect(rotateSigningKey(target(), fast)).resolves.toEqual({ kind: 'rotated', versionId: 'stuck' });
  });

  it('says so when it gives up waiting', async () => {
    secrets.on(DescribeSecretCommand).resolves({ RotationEnabled: true, VersionIdsToStages: { v2: ['AWSPENDING'] } });
    secrets.on(RotateSecretCommand).resolves({ VersionId: 'v2' });

    await expect(rotateSigningKey(target(), { pollMs: 5, timeoutMs: 20 })).resolves.toEqual({ kind: 'timed-out', versionId: 'v2' });
  });

  it('fails clearly on a secret without rotation (a stack not deployed with it)', async () => {
    secrets.on(DescribeSecretCommand).resolves({ RotationEnabled: false });
    await expect(rotateSigningKey(target(), fast)).rejects.toThrow(/Rotation is not enabled/);
  });

  it('targets the deployed key (in its ARN\'s region) with --secret-id, and the local edge otherwise', async () => {
    const deployed = rotationTarget({ secretId: SECRET_ARN }, {});
    const local = rotationTarget({}, { SANDBOX_PORT: '4999' });

    expect(deployed.secretId).toBe(SECRET_ARN);
    expect(await deployed.client.config.region()).toBe('eu-west-1');
    expect(local.secretId).toBe('stackpro/jwt-signing-key');
    expect(local.description).toBe('the local stack (http://127.0.0.1:4999)');
    deployed.client.destroy();
    local.client.destroy();
  });
});
