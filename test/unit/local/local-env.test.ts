import { applyLambdaEnv, buildLambdaEnv, childProcessEnv } from '../../../local/local-env';

const inputs = {
  dataDir: '/data',
  edgeUrl: 'http://127.0.0.1:4566',
  dynamoDbUrl: 'http://127.0.0.1:8000',
  provisioningStateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ProvisionCustomer',
};

describe('buildLambdaEnv', () => {
  it('points the SDK clients at the local endpoints and sets every config variable', () => {
    const env = buildLambdaEnv({ ...inputs, inherited: {} });

    expect(env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4566',
      TABLE_NAME: 'stackpro-local',
      SIGNING_KEY_SECRET_ID: 'stackpro/jwt-signing-key',
      JWT_PUBLIC_KEYS_SECRET_ID: 'stackpro/jwt-public-keys',
      SIGNING_KEY_CACHE_SECONDS: '5',
      CUSTOMER_DOMAIN: 'customers.stackpro.localhost',
      FRONTEND_ORIGIN: 'http://localhost:5173',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('points EC2, Route 53, SESv2 and SSM at the edge with the account settings the handlers read', () => {
    const env = buildLambdaEnv({ ...inputs, inherited: {} });

    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_ROUTE_53: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:4566',
      HOSTED_ZONE_ID: 'Z0STACKPROLOCAL',
      LAUNCH_TEMPLATE_ID: 'lt-0stackprolocal',
      SUBNET_IDS: 'subnet-0local-a,subnet-0local-b',
      DEPLOY_DOCUMENT_NAME: 'StackPro-DeployApplications',
      SENDER_ADDRESS: 'welcome@stackpro.localhost',
    });
  });

  it('sends the provisioning services to STACKPRO_AWS_ENDPOINT (LocalStack) and keeps the overridden sender', () => {
    const env = buildLambdaEnv({ ...inputs, inherited: { SENDER_ADDRESS: 'hello@example.test' }, awsEndpoint: 'http://localhost:4566' });

    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_EC2: 'http://localhost:4566',
      AWS_ENDPOINT_URL_SSM: 'http://localhost:4566',
      AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4566',
      SENDER_ADDRESS: 'hello@example.test',
    });
  });

  it('takes the domain, origin and log level from the environment', () => {
    const env = buildLambdaEnv({
      ...inputs,
      inherited: { CUSTOMER_DOMAIN: 'c.example.test', FRONTEND_ORIGIN: 'http://localhost:8080', LOG_LEVEL: 'DEBUG' },
    });

    expect(env).toMatchObject({ CUSTOMER_DOMAIN: 'c.example.test', FRONTEND_ORIGIN: 'http://localhost:8080', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  });
});

describe('applyLambdaEnv and childProcessEnv', () => {
  const inherited = () => ({
    AWS_ENDPOINT_URL: 'https://real.example',
    AWS_ENDPOINT_URL_S3: 'https://s3.example',
    AWS_PROFILE: 'prod',
    AWS_SESSION_TOKEN: 'token',
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    PATH: '/usr/bin',
  });

  it('drops inherited endpoints and profiles before setting the local values', () => {
    const env: NodeJS.ProcessEnv = inherited();

    applyLambdaEnv(env, { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4566' });

    expect(env).toEqual({ PATH: '/usr/bin', AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4566' });
  });

  it('gives child processes no AWS endpoint or profile', () => {
    expect(childProcessEnv({ ...inherited(), AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' })).toEqual({ PATH: '/usr/bin' });
  });
});
