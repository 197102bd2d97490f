import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, InvalidName, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sharedLocalStack, startLocalStackProcess } from './local-stack-process';

const PROVISIONING_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:ProvisionCustomer';
const FRONTEND_ORIGIN = 'http://localhost:5173';

// Explicit endpoint and credentials: the test process may have any AWS settings in its own env.
const awsClientConfig = (edgeUrl: string) => ({
  endpoint: edgeUrl,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

describe('the local stack over HTTP', () => {
  const { apiUrl, edgeUrl } = sharedLocalStack();

  it('answers GET /health with 200', async () => {
    const response = await fetch(`${apiUrl}/health`);

    expect(response.status).toBe(200);
  });

  it('answers an unknown route with the documented 404 body', async () => {
    const response = await fetch(`${apiUrl}/no/such/route`);

    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_ORIGIN);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
  });

  it('answers a known route with the wrong method with 405 and Allow', async () => {
    const response = await fetch(`${apiUrl}/health`, { method: 'DELETE' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('GET');
    expect(await errorCode(response)).toBe('METHOD_NOT_ALLOWED');
  });

  it('refuses the customer status route without a token with 401', async () => {
    const response = await fetch(`${apiUrl}/customers/cus_123/status`);

    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('UNAUTHORIZED');
  });

  it('answers a CORS preflight for the frontend origin', async () => {
    const response = await fetch(`${apiUrl}/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: FRONTEND_ORIGIN, 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(FRONTEND_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization');
  });

  it('serves the sandbox health route on the edge port', async () => {
    const response = await fetch(`${edgeUrl}/_sandbox/health`);

    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('the emulated AWS services, through the real SDK clients', () => {
  const { edgeUrl } = sharedLocalStack();
  const secretsManager = new SecretsManagerClient(awsClientConfig(edgeUrl));
  const sfn = new SFNClient(awsClientConfig(edgeUrl));
  afterAll(() => {
    secretsManager.destroy();
    sfn.destroy();
  });

  it('returns the JWT signing key secret', async () => {
    const secret = await secretsManager.send(new GetSecretValueCommand({ SecretId: 'stackpro/jwt-signing-key' }));

    const key = JSON.parse(secret.SecretString ?? '{}');
    expect(key.publicJwk).toMatchObject({ kid: key.kid, alg: 'ES256', crv: 'P-256' });
    expect(key.privateJwk.d).toEqual(expect.any(String));
    expect(secret.CreatedDate).toBeInstanceOf(Date);
  });

  it('throws ResourceNotFoundException for an unknown secret', async () => {
    const request = secretsManager.send(new GetSecretValueCommand({ SecretId: 'stackpro/no-such-secret' }));

    await expect(request).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('throws InvalidName for an execution name AWS would refuse', async () => {
    const request = sfn.send(new StartExecutionCommand({ stateMachineArn: PROVISIONING_ARN, name: 'not a valid name!' }));

    await expect(request).rejects.toBeInstanceOf(InvalidName);
  });

  it('starts an execution and describes it', async () => {
    const name = `it-${Date.now()}`;

    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: PROVISIONING_ARN, name, input: JSON.stringify({ customerId: 'cus_it', attempt: 1 }) }),
    );
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));

    expect(started.startDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ name, stateMachineArn: PROVISIONING_ARN });
    // How far it got depends on the provisioning steps (the account tests cover them), not on the emulator.
    expect(['RUNNING', 'SUCCEEDED', 'FAILED']).toContain(described.status);
  });
});

describe('stopping with Ctrl-C', () => {
  it('exits 0 and leaves no DynamoDB Local process behind', async () => {
    const stack = await startLocalStackProcess();
    expect(isAlive(stack.dynamoDbPid)).toBe(true);

    const exitCode = await stack.stop('SIGINT');

    expect(exitCode).toBe(0);
    expect(isAlive(stack.dynamoDbPid)).toBe(false);
  }, 90_000);
});

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
