import { PROVISION_CUSTOMER, WORKFLOWS } from '../statemachines/workflows';
import { stateMachineArn } from './step-functions/engine';
import path from 'node:path';
import { LOCAL_PRICE_IDS } from './sandbox/stripe/prices';
import { LOCAL_LAMBDA_MAX_CONCURRENCY } from './invocation-scope';
import { LOCAL_BACKUP_VAULT } from './sandbox/backup';
import { messagingTableNameFor } from './messaging-table';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_TABLE_NAME = 'stackpro-local';
/** The messaging WebSocket API's stage, as CDK names it (lib/messaging-websocket.ts WEBSOCKET_STAGE_NAME). */
export const LOCAL_WEBSOCKET_STAGE = 'live';
export const SIGNING_KEY_SECRET_ID = 'stackpro/jwt-signing-key';
/** The public keys the authorizer trusts, JWKS `{keys: [current, previous]}` (lambdas/core/signing-keys.ts). */
export const JWT_PUBLIC_KEYS_SECRET_ID = 'stackpro/jwt-public-keys';
/**
 * Signers re-read the private key this often locally (300 s in AWS), so a local rotation shows in new
 * tokens within seconds; SIGNING_KEY_CACHE_SECONDS overrides it.
 */
export const LOCAL_SIGNING_KEY_CACHE_SECONDS = '5';
/** The Stripe keys' secret, JSON `{secretKey, webhookSecret}` (lambdas/clients/stripe.ts). */
export const STRIPE_SECRET_ID = 'stackpro/stripe';
/** The test-mode secret key the sandbox's Stripe API accepts. */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_local_stackpro_sandbox';
/** Used when STRIPE_WEBHOOK_SECRET is not set: a local test secret, fine to print. */
export const DEFAULT_STRIPE_WEBHOOK_SECRET = 'whsec_stackpro_local_default';

/** The webhook signing secret the sandbox signs with and the API verifies with. */
export function stripeWebhookSecret(env: NodeJS.ProcessEnv): string {
  return env.STRIPE_WEBHOOK_SECRET || DEFAULT_STRIPE_WEBHOOK_SECRET;
}

/** The Secrets Manager value of STRIPE_SECRET_ID in the local stack. */
export function localStripeSecret(env: NodeJS.ProcessEnv): { secretKey: string; webhookSecret: string } {
  return { secretKey: LOCAL_STRIPE_SECRET_KEY, webhookSecret: stripeWebhookSecret(env) };
}

export interface LocalEnvInputs {
  readonly dataDir: string;
  readonly edgeUrl: string;
  readonly dynamoDbUrl: string;
  readonly provisioningStateMachineArn: string;
  /** The environment the stack was started with: only a few settings are taken from it. */
  readonly inherited: NodeJS.ProcessEnv;
  /**
   * STACKPRO_AWS_ENDPOINT (e.g. a running LocalStack on http://localhost:4566): DynamoDB, EC2, Route 53,
   * SESv2 and SSM go there instead of DynamoDB Local and the sandbox.
   */
  readonly awsEndpoint?: string;
  /** The API's URL: the sandbox's Stripe delivers webhooks to `<apiUrl>/stripe/webhooks`. */
  readonly apiUrl?: string;
  /** The WebSocket API stand-in's port (local/websocket-gateway.ts): its wss URL and @connections endpoint. */
  readonly websocketPort?: number;
}

/** The account settings the provisioning handlers read (lambdas/config.ts), as the sandbox models them. */
export const LOCAL_ACCOUNT_DEFAULTS = {
  HOSTED_ZONE_ID: 'Z0STACKPROLOCAL',
  LAUNCH_TEMPLATE_ID: 'lt-0stackprolocal',
  SUBNET_IDS: 'subnet-0local-a,subnet-0local-b',
  DEPLOY_DOCUMENT_NAME: 'StackPro-DeployApplications',
  SENDER_ADDRESS: 'welcome@stackpro.localhost',
} as const;

/**
 * The environment the in-process Lambdas see: the same variable names CDK sets in AWS (lambdas/config.ts),
 * plus the SDK's `AWS_ENDPOINT_URL_<SERVICE>` overrides that point the unchanged clients at local endpoints.
 */
export function buildLambdaEnv(inputs: LocalEnvInputs): Record<string, string> {
  const { inherited } = inputs;
  // The sandbox (or LocalStack) answers for the services the provisioning steps call.
  const provisioningEndpoint = inputs.awsEndpoint ?? inputs.edgeUrl;
  const accountSetting = (name: keyof typeof LOCAL_ACCOUNT_DEFAULTS) => inherited[name] || LOCAL_ACCOUNT_DEFAULTS[name];
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // Pointing these at files that do not exist keeps ~/.aws profiles (and any endpoint_url in them) out.
    AWS_CONFIG_FILE: path.join(inputs.dataDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(inputs.dataDir, 'no-aws-credentials'),
    AWS_ENDPOINT_URL_DYNAMODB: inputs.dynamoDbUrl,
    AWS_ENDPOINT_URL_SFN: inputs.edgeUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: inputs.edgeUrl,
    AWS_ENDPOINT_URL_EC2: provisioningEndpoint,
    AWS_ENDPOINT_URL_ROUTE_53: provisioningEndpoint,
    AWS_ENDPOINT_URL_SESV2: provisioningEndpoint,
    AWS_ENDPOINT_URL_SSM: provisioningEndpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: provisioningEndpoint,
    AWS_ENDPOINT_URL_BACKUP: provisioningEndpoint,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: provisioningEndpoint,
    AWS_ENDPOINT_URL_SOCIALMESSAGING: provisioningEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: LOCAL_TABLE_NAME,
    MESSAGING_TABLE_NAME: messagingTableNameFor(LOCAL_TABLE_NAME),
    // As CDK sets them from the WebSocket API's id and stage: clients connect to the first, the fan-out posts to the second.
    ...(inputs.websocketPort === undefined
      ? {}
      : {
          MESSAGING_WEBSOCKET_URL: `ws://127.0.0.1:${inputs.websocketPort}/${LOCAL_WEBSOCKET_STAGE}`,
          MESSAGING_CONNECTIONS_URL: `http://127.0.0.1:${inputs.websocketPort}/${LOCAL_WEBSOCKET_STAGE}`,
        }),
    MESSAGING_SMS_TOPIC_ARN: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stackpro-local-sms`,
    // The widget's script is served by the local API: <apiUrl>/widget/<publicKey>/widget.js.
    ...(inputs.apiUrl ? { MESSAGING_WIDGET_URL: `${inputs.apiUrl}/widget` } : {}),
    PROVISIONING_STATE_MACHINE_ARN: inputs.provisioningStateMachineArn,
    // Every other workflow, registered by the local Step Functions runner from WORKFLOWS, under its own variable.
    ...Object.fromEntries(WORKFLOWS.filter((workflow) => workflow.id !== PROVISION_CUSTOMER.id).map((workflow) => [workflow.arnVariable, stateMachineArn(workflow.id)])),
    BILLING_RETENTION_DAYS: inherited.BILLING_RETENTION_DAYS || '30',
    SIGNING_KEY_SECRET_ID,
    JWT_PUBLIC_KEYS_SECRET_ID,
    SIGNING_KEY_CACHE_SECONDS: inherited.SIGNING_KEY_CACHE_SECONDS || LOCAL_SIGNING_KEY_CACHE_SECONDS,
    CUSTOMER_DOMAIN: inherited.CUSTOMER_DOMAIN || 'customers.stackpro.localhost',
    HOSTED_ZONE_ID: accountSetting('HOSTED_ZONE_ID'),
    LAUNCH_TEMPLATE_ID: accountSetting('LAUNCH_TEMPLATE_ID'),
    SUBNET_IDS: accountSetting('SUBNET_IDS'),
    DEPLOY_DOCUMENT_NAME: accountSetting('DEPLOY_DOCUMENT_NAME'),
    // Customer secrets are tagged with the ARN of the instance that may read them (the sandbox's account).
    INSTANCE_ARN_PREFIX: `arn:aws:ec2:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:instance/`,
    // AWS Backup's vault and role (the sandbox has one vault; the role is only checked to be a role ARN).
    BACKUP_VAULT_NAME: LOCAL_BACKUP_VAULT,
    BACKUP_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/stackpro-local-backup`,
    VOLUME_ARN_PREFIX: `arn:aws:ec2:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:volume/`,
    SENDER_ADDRESS: accountSetting('SENDER_ADDRESS'),
    FRONTEND_ORIGIN: inherited.FRONTEND_ORIGIN || 'http://localhost:5173',
    // Stripe: the sandbox on the edge port (production leaves STRIPE_API_BASE unset: api.stripe.com).
    STRIPE_SECRET_ID,
    STRIPE_API_BASE: inputs.edgeUrl,
    STRIPE_PRICE_IDS: JSON.stringify(LOCAL_PRICE_IDS),
    // For the sandbox (not read by the Lambdas): where it POSTs events; a developer may point it elsewhere.
    ...(inherited.STACKPRO_WEBHOOK_URL || inputs.apiUrl
      ? { STACKPRO_WEBHOOK_URL: inherited.STACKPRO_WEBHOOK_URL || `${inputs.apiUrl}/stripe/webhooks` }
      : {}),
    POWERTOOLS_SERVICE_NAME: 'stackpro',
    POWERTOOLS_LOG_LEVEL: inherited.LOG_LEVEL || inherited.POWERTOOLS_LOG_LEVEL || 'INFO',
    // No X-Ray daemon here: Powertools already traces only inside Lambda (AWS_EXECUTION_ENV), and this makes
    // sure an inherited AWS_EXECUTION_ENV cannot switch on UDP segments or "Missing context" warnings.
    POWERTOOLS_TRACE_ENABLED: 'false',
    // Many invocations share one thread here, as under Lambda's multi-concurrency runtime: Powertools then
    // keeps each invocation's log context apart (local/invocation-scope.ts runs each in its own scope).
    AWS_LAMBDA_MAX_CONCURRENCY: LOCAL_LAMBDA_MAX_CONCURRENCY,
    // With tracing off nothing reads the X-Ray context, yet the X-Ray SDK (loaded by Powertools Tracer) would
    // still install an async hook that tracks every promise (about 20x the cost of an await). Its own switch,
    // read once when it loads, leaves the hook out; a Lambda with tracing off could set it the same way.
    AWS_XRAY_MANUAL_MODE: 'true',
  };
}

/**
 * Inherited variables that would send an SDK call somewhere other than the local stack (a global or
 * per-service endpoint, a named profile, session credentials) or switch our endpoints off.
 */
export function isLeakyAwsVariable(name: string): boolean {
  return (
    name.startsWith('AWS_ENDPOINT_URL') ||
    [
      'AWS_PROFILE',
      'AWS_DEFAULT_PROFILE',
      'AWS_SESSION_TOKEN',
      'AWS_SECURITY_TOKEN',
      'AWS_ROLE_ARN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
      'AWS_USE_FIPS_ENDPOINT',
      'AWS_USE_DUALSTACK_ENDPOINT',
    ].includes(name)
  );
}

/** Replaces this process's AWS settings with the local ones; handlers read them when first loaded. */
export function applyLambdaEnv(env: NodeJS.ProcessEnv, lambdaEnv: Record<string, string>): void {
  for (const name of Object.keys(env)) {
    if (isLeakyAwsVariable(name)) delete env[name];
  }
  Object.assign(env, lambdaEnv);
}

/** The environment for child processes (DynamoDB Local) that must not reach AWS or our endpoints. */
export function childProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isLeakyAwsVariable(name)));
}
