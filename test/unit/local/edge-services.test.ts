import { secretsManagerService, SecretStore } from '../../../local/edge/secrets-manager';
import type { EdgeRequest } from '../../../local/edge/edge-service';

function awsJsonRequest(target: string, body: object): EdgeRequest {
  return {
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify(body)),
    region: 'us-east-1',
  };
}

describe('the Secrets Manager edge service', () => {
  const store = new SecretStore();
  store.put('stackpro/jwt-signing-key', '{"kid":"k1"}');
  const service = secretsManagerService(store);

  it('answers GetSecretValue with the secret and an epoch-seconds CreatedDate', async () => {
    const response = await service.handle(awsJsonRequest('secretsmanager.GetSecretValue', { SecretId: 'stackpro/jwt-signing-key' }));

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ Name: 'stackpro/jwt-signing-key', SecretString: '{"kid":"k1"}', VersionStages: ['AWSCURRENT'] });
    expect(typeof body.CreatedDate).toBe('number');
    expect(body.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:stackpro\/jwt-signing-key-.{6}$/);
  });

  it('finds a secret by its ARN too', async () => {
    const byName = JSON.parse((await service.handle(awsJsonRequest('secretsmanager.GetSecretValue', { SecretId: 'stackpro/jwt-signing-key' }))).body);

    const byArn = await service.handle(awsJsonRequest('secretsmanager.GetSecretValue', { SecretId: byName.ARN }));

    expect(JSON.parse(byArn.body).Name).toBe('stackpro/jwt-signing-key');
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    const response = await service.handle(awsJsonRequest('secretsmanager.GetSecretValue', { SecretId: 'nope' }));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ __type: 'ResourceNotFoundException', message: expect.any(String) });
  });

  it.each(['secretsmanager.DeleteSecret', 'secretsmanager.toString', 'AWSStepFunctions.StartExecution', undefined])(
    'answers %s with UnknownOperationException',
    async (target) => {
      const response = await service.handle({ ...awsJsonRequest('', {}), headers: { 'x-amz-target': target } });

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).__type).toBe('UnknownOperationException');
    },
  );
});
