import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { FUNCTION_LOG_RETENTION, StackProFunction } from './stackpro-function';

/** Nothing to configure: the key type (ES256) is part of the token contract in lambdas/core. */
export type SigningKeyProps = Readonly<Record<string, never>>;

/**
 * The ES256 key that signs access tokens. It is generated inside AWS at deploy time by a custom resource, so
 * the private key never appears in the template, the repository or a developer's machine; only functions
 * granted `signing-key:read` can read it. The public half is exposed for the authorizer's plain env.
 */
export class SigningKey extends Construct {
  /** Holds JSON `{kid, privateJwk, publicJwk}`; functions get its ARN as SIGNING_KEY_SECRET_ID. */
  readonly secret: secretsmanager.Secret;
  /** The public JWK (JSON with `kid` and `alg`) as a deploy-time token; safe to put in plain env. */
  readonly publicJwk: string;

  constructor(scope: Construct, id: string, _props: SigningKeyProps = {}) {
    super(scope, id);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'StackPro JWT signing key (ES256), JSON {kid, privateJwk, publicJwk}; written by the KeyGenerator custom resource.',
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the JWT key needs key-set support (verify with the old and new kid during a grace period); ' +
        'until then the key is replaced only by a deliberate redeploy. Follow-up: JWKS with two active keys.',
    });

    const onEvent = new StackProFunction(this, 'CreateSigningKey', {
      handler: 'infra/create-signing-key',
      description: 'Generates the ES256 JWT signing key into its secret at deploy time',
      timeout: Duration.seconds(30),
    });
    this.secret.grantRead(onEvent);
    this.secret.grantWrite(onEvent);

    // Our own role for the framework function, so it gets write access to its log group only instead of
    // AWSLambdaBasicExecutionRole.
    const providerLogGroup = new logs.LogGroup(this, 'ProviderLogGroup', { retention: FUNCTION_LOG_RETENTION });
    const providerRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the SigningKey custom resource provider framework',
    });
    providerLogGroup.grantWrite(providerRole);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      logGroup: providerLogGroup,
      frameworkOnEventRole: providerRole,
    });
    traceFrameworkFunction(provider, providerRole);
    Validations.of(providerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(onEvent.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'aws-cdk-lib grants the provider framework invoke on any version of our CreateSigningKey function; only that function.',
    });

    const key = new CustomResource(this, 'KeyGenerator', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::StackProSigningKey',
      properties: { SecretId: this.secret.secretArn },
    });
    this.publicJwk = key.getAttString('publicJwk');
  }

  /** Lets a function read the private key (and only that); it also needs SIGNING_KEY_SECRET_ID. */
  grantRead(grantable: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantable);
  }
}

/**
 * The Provider construct has no tracing option, so its own function gets active X-Ray tracing here, with the
 * same two actions Lambda's `tracing: ACTIVE` grants every other function: a deploy then shows as one trace.
 */
function traceFrameworkFunction(provider: cr.Provider, role: iam.Role): void {
  const framework = provider.node.findChild('framework-onEvent').node.defaultChild as lambda.CfnFunction;
  framework.tracingConfig = { mode: 'Active' };
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Only xray:PutTraceSegments/PutTelemetryRecords use Resource * (X-Ray has no resource-level permissions).',
  });
}
