import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { InlinePolicyRole } from './inline-policy-role';
import { handlerEntry, REPO_ROOT } from './paths';

/** Settings that differ between our functions; everything else is the same for all of them on purpose. */
export interface StackProFunctionProps {
  /** Handler module under `lambdas/` without extension, exactly as the route and workflow tables name it. */
  readonly handler: string;
  /** Shown in the console so an operator knows what the function is for. */
  readonly description: string;
  /**
   * Password hashing (argon2id, 19 MiB, in WebAssembly) needs more memory, and with it more CPU.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * API Gateway gives up after 29 s; nothing slow may run inside a request.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Only the variables this function's access needs (see lambdas/config.ts); the Powertools settings are
   * added for every function.
   * @default - none beyond the shared ones
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Lambda logs are kept this long: long enough to investigate an incident, short enough to stay cheap. */
export const FUNCTION_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/** Powertools reads these in every function; `stackpro` groups all our logs, metrics and traces. */
const SHARED_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'stackpro',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  // Stack traces point at the TypeScript source instead of the minified bundle.
  NODE_OPTIONS: '--enable-source-maps',
} as const;

/**
 * Every StackPro Lambda: Node.js 24 on arm64 (cheaper per ms than x86), a minified esbuild bundle with source
 * maps, X-Ray tracing, its own log group with a retention, and its own role (its grants inline: one resource, not two) that starts with write
 * access to that log group only (instead of AWSLambdaBasicExecutionRole's `logs:*` on every group).
 *
 * The log group and the role are siblings named `<id>LogGroup` and `<id>Role`, so the function itself keeps
 * the construct id the route or workflow table gives it.
 */
export class StackProFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: StackProFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, { retention: FUNCTION_LOG_RETENTION });
    const role = new InlinePolicyRole(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: handlerEntry(props.handler),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: { ...SHARED_ENVIRONMENT, ...props.environment },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        minify: true,
        sourceMap: true,
        // The Node.js 24 runtime ships AWS SDK v3, so leaving it out keeps bundles small. Everything else
        // (Powertools, jose, hash-wasm, zod, middy) is not in the runtime and is bundled.
        externalModules: ['@aws-sdk/*'],
        // Packages' ES module builds first: esbuild can leave out what a handler never uses (hash-wasm's other
        // algorithms, for one), which their CommonJS builds would bring in whole. bench/bundles.ts does the same.
        mainFields: ['module', 'main'],
        // Bundle sizes are printed only when something is wrong, so `cdk synth -q` stays quiet.
        logLevel: nodejs.LogLevel.WARNING,
      },
    });

    // Lambda adds this statement itself for active tracing; X-Ray has no resource-level permissions.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments/PutTelemetryRecords use Resource * (X-Ray has no resource-level permissions); ' +
        'test/infra asserts no other action on these roles has Resource *.',
    });
  }
}
