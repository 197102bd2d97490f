import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  GATEWAY_RESPONSES,
  METHOD_NOT_ALLOWED,
  gatewayErrorBody,
  type GatewayErrorResponse,
} from '../lambdas/api/gateway-responses';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES, type RouteAuth, type RouteDefinition } from '../lambdas/api/routes';
import type { LifecycleWorkflows } from './lifecycle-workflows';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import type { StackProSettings } from './settings';
import type { SigningKey } from './signing-key';
import { StackProFunction } from './stackpro-function';
import { grantFunctionAccess } from './function-access';
import type { StripeKeys } from './stripe-keys';


/** How API Gateway checks each kind of route: nothing, our JWT authorizer, or the caller's IAM signature. */
const AUTHORIZATION_TYPES: Record<RouteAuth, apigw.AuthorizationType> = {
  public: apigw.AuthorizationType.NONE,
  customer: apigw.AuthorizationType.CUSTOM,
  iam: apigw.AuthorizationType.IAM,
};
/** What the account API's handlers reach, and the settings they echo to clients. */
export interface AccountApiProps {
  /** Routes with `table:read` / `table:write` access are granted exactly that on this table. */
  readonly table: dynamodb.ITable;
  /** Routes with `signing-key:read` may read the private key; the authorizer reads only the public keys. */
  readonly signingKey: SigningKey;
  /** Routes with `provisioning:start` may start this workflow. */
  readonly provisioning: ProvisioningWorkflow;
  /** Routes with `stripe` may read these keys. */
  readonly stripeKeys: StripeKeys;
  /** Routes with `lifecycle:start` may start the suspend, resume and deprovision workflows. */
  readonly lifecycle: LifecycleWorkflows;
  /**
   * Echoed by handlers (customer URLs) and used for CORS; `ses:send` routes send from `senderAddress`;
   * `lifecycle:start` routes pass `billingRetentionDays` to Deprovision.
   */
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'frontendOrigin' | 'senderAddress' | 'billingRetentionDays'>;
  /**
   * The route table; tests may pass a smaller one.
   * @default ROUTES
   */
  readonly routes?: readonly RouteDefinition[];
  /**
   * Steady-state requests per second for the whole stage, before API Gateway answers 429.
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst allowance for the whole stage.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
}

/**
 * Routes that hash a password (argon2id, 19 MiB, in WebAssembly). Lambda gives CPU in proportion to memory,
 * so these get 1 GB to keep a sign-up or log-in well under a second.
 */
const PASSWORD_HASHING_ROUTES: ReadonlySet<string> = new Set(['SignUp', 'LogIn', 'ConfirmPasswordReset']);
const PASSWORD_HASHING_MEMORY_MB = 1024;

const ACCESS_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/** Why each public route needs no authorizer (the APIG4 acknowledgement beside its method). */
const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  ReceiveStripeWebhook:
    'Stripe cannot present our JWT or a SigV4 signature: the handler verifies the Stripe-Signature HMAC (webhook secret, 300 s tolerance) ' +
    'over the raw body and refuses anything else before reading it.',
  GetOpenApi: 'serves the public API contract (no customer data); the function has no AWS access at all.',
  VerifyEmail:
    'is opened from the verification email, before the person can sign in anywhere: the single-use, 24-hour random token (stored hashed) ' +
    'is the credential.',
  RequestPasswordReset: 'is public by design: someone who forgot their password has no token; it answers 202 whatever the email, and the link goes only to the address.',
  ConfirmPasswordReset: 'is public by design: the single-use reset token from the email is the credential.',
  LogOut: 'is public by design: the refresh token in the body is the credential (it ends only its own session).',
};
const DEFAULT_PUBLIC_ROUTE_REASON = 'is public by design (signup/login/refresh/health); customer routes use the JWT Lambda authorizer.';

/** The headers every browser-facing response carries, as API Gateway header-mapping literals. */
function corsResponseHeaders(origin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': `'${origin}'`, Vary: "'Origin'" };
}

/** `MISSING_AUTHENTICATION_TOKEN` -> `MissingAuthenticationToken`: a stable construct id per response type. */
function pascalCase(screamingSnake: string): string {
  return screamingSnake
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The public REST API (sign-up, log-in, token refresh, customer status, billing sessions, the Stripe webhook),
 * built from the route table in lambdas/api/routes.ts so that it and the local stack's HTTP adapter cannot
 * drift. One Lambda per route, each granted only what its route declares; `customer` routes are guarded by a
 * JWT Lambda authorizer.
 */
export class AccountApi extends Construct {
  readonly api: apigw.RestApi;
  /** Route functions, keyed by route id. */
  readonly routeFunctions: Readonly<Record<string, StackProFunction>>;
  readonly authorizerFunction: StackProFunction;
  /** Attach to an operator's role to allow the `iam` (admin) routes. */
  readonly adminPolicy: iam.ManagedPolicy;
  private readonly routes: readonly RouteDefinition[];

  constructor(scope: Construct, id: string, props: AccountApiProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;
    this.routes = routes;
    const origin = props.settings.frontendOrigin;

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: ACCESS_LOG_RETENTION });
    this.api = new apigw.RestApi(this, 'RestApi', {
      restApiName: 'stackpro-account-api',
      description: 'StackPro account API: sign-up, log-in, sessions, customer status, billing and the Stripe webhook',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // No binaryMediaTypes on purpose: with Lambda proxy, JSON bodies reach handlers byte for byte as text, which
      // the Stripe webhook needs to verify its signature (a binary type would base64 them; it copes, but needn't).
      // Nor a request body model, which could reject a Stripe event before the handler sees it.
      // Stage logging needs the account-level API Gateway CloudWatch role. It is shared by every API in the
      // account and region, so it outlives this stack.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        // No user agent or request body: access logs hold ids and timings, not personal data.
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            requestTime: apigw.AccessLogField.contextRequestTimeEpoch(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            method: apigw.AccessLogField.contextHttpMethod(),
            resourcePath: apigw.AccessLogField.contextResourcePath(),
            status: apigw.AccessLogField.contextStatus(),
            protocol: apigw.AccessLogField.contextProtocol(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            responseLatency: apigw.AccessLogField.contextResponseLatency(),
            integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
            errorType: apigw.AccessLogField.contextErrorResponseType(),
            errorMessage: apigw.AccessLogField.contextErrorMessage(),
            customerId: apigw.AccessLogField.contextAuthorizerPrincipalId(),
          }),
        ),
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        tracingEnabled: true,
        metricsEnabled: true,
        // Errors only, and never request or response bodies: they carry passwords and tokens.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    });
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'We issue our own ES256 JWTs (no Cognito): customer routes use the JWT Lambda authorizer; signup/login/refresh/health are public by design, ' +
          'and the Stripe webhook is authenticated by its Stripe-Signature.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason: 'API Gateway validates request parameters (Authorization header on customer routes); bodies are validated in the handlers (zod) because they return field-level error details.',
      },
    );
    Validations.of(this.api.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The account-level API Gateway logging role; the AWS managed policy is the documented way to let API Gateway write stage logs.',
    });

    this.installGatewayResponses(origin);

    this.authorizerFunction = new StackProFunction(this, 'AuthorizeCustomer', {
      handler: CUSTOMER_AUTHORIZER_HANDLER,
      description: 'Verifies customer access tokens (ES256 JWT) for the account API',
      // The public keys only: the authorizer can verify tokens but never sign one.
      environment: { JWT_PUBLIC_KEYS_SECRET_ID: props.signingKey.publicKeys.secretArn },
    });
    props.signingKey.grantReadPublicKeys(this.authorizerFunction);
    const authorizer = new apigw.TokenAuthorizer(this, 'CustomerAuthorizer', {
      handler: this.authorizerFunction,
      identitySource: apigw.IdentitySource.header('Authorization'),
      // No caching: an expired or revoked token is refused on the very next request.
      resultsCacheTtl: Duration.seconds(0),
    });

    // Parameters only: bodies are validated in the handlers (zod), which return field-level details.
    const parameterValidator = this.api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'request-parameters',
      validateRequestParameters: true,
      validateRequestBody: false,
    });

    const routeFunctions: Record<string, StackProFunction> = {};
    const adminRoutes: apigw.Method[] = [];
    for (const route of routes) {
      const fn = new StackProFunction(this, route.id, {
        handler: route.handler,
        description: `${route.method} ${route.path}`,
        memorySize: PASSWORD_HASHING_ROUTES.has(route.id) ? PASSWORD_HASHING_MEMORY_MB : undefined,
        // Echoed to clients (customer URLs, links in emails); the rest comes with the route's access.
        environment: { CUSTOMER_DOMAIN: props.settings.customerDomain, FRONTEND_ORIGIN: props.settings.frontendOrigin },
      });
      grantFunctionAccess(fn, route.id, route.access, props);
      routeFunctions[route.id] = fn;

      const resource = this.api.root.resourceForPath(route.path);
      const isCustomerRoute = route.auth === 'customer';
      const method = resource.addMethod(
        route.method,
        new apigw.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false }),
        {
          operationName: route.id,
          authorizationType: AUTHORIZATION_TYPES[route.auth],
          authorizer: isCustomerRoute ? authorizer : undefined,
          requestValidator: parameterValidator,
          requestParameters: route.auth === 'public' ? undefined : { 'method.request.header.Authorization': true },
        },
      );
      if (route.auth === 'iam') adminRoutes.push(method);
      if (route.auth === 'public') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.id} ${PUBLIC_ROUTE_REASONS[route.id] ?? DEFAULT_PUBLIC_ROUTE_REASON}`,
        });
      }
    }
    this.routeFunctions = routeFunctions;

    // Operators get admin routes by attaching this policy to their IAM role; requests are SigV4-signed.
    this.adminPolicy = new iam.ManagedPolicy(this, 'AdminAccess', {
      description: 'Lets an operator call the StackPro admin API routes (IAM-authorized, SigV4-signed).',
      statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: adminRoutes.map((m) => m.methodArn) })],
    });
    Validations.of(this.adminPolicy).acknowledge({
      id:
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<AccountApiRestApi34B2D91D>/' +
        '<AccountApiRestApiDeploymentStagev13799DE64>/POST/admin/customers/*/provisioning/retry]',
      reason: 'The only wildcard is the {customerId} path parameter: an operator may retry any customer; the method and route are fixed.',
    });

    this.installPreflightAndMethodNotAllowed(routes, origin);
  }

  /** API Gateway's own error answers, in our documented JSON error shape and readable by the frontend. */
  private installGatewayResponses(origin: string): void {
    for (const [type, response] of Object.entries(GATEWAY_RESPONSES) as [string, GatewayErrorResponse][]) {
      this.api.addGatewayResponse(pascalCase(type), {
        type: apigw.ResponseType.of(type),
        statusCode: String(response.statusCode),
        responseHeaders: { ...corsResponseHeaders(origin), 'Content-Type': "'application/json'" },
        templates: { 'application/json': gatewayErrorBody(response) },
      });
    }
  }

  /**
   * On every route resource: a CORS preflight for the frontend origin, and an `ANY` method that answers 405
   * (instead of API Gateway's 403) when a known path is called with a method it does not serve. API Gateway
   * prefers a resource's explicit methods, so `ANY` only catches the others.
   */
  private installPreflightAndMethodNotAllowed(routes: readonly RouteDefinition[], origin: string): void {
    const methodsByPath = new Map<string, string[]>();
    for (const route of routes) {
      methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
    }

    const body = gatewayErrorBody(METHOD_NOT_ALLOWED);
    const statusCode = String(METHOD_NOT_ALLOWED.statusCode);
    const headers = { ...corsResponseHeaders(origin), 'Content-Type': "'application/json'" };
    const methodResponseHeaders = Object.fromEntries(
      Object.keys(headers).map((name) => [`method.response.header.${name}`, true]),
    );
    const integrationResponseHeaders = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [`method.response.header.${name}`, value]),
    );
    // The mock reads its status from the request template; common body types get one, others are refused
    // with 415 (NEVER pass through) rather than a confusing 500 from the mock.
    const mockRequest = JSON.stringify({ statusCode: METHOD_NOT_ALLOWED.statusCode });
    const requestTemplates = Object.fromEntries(
      ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'].map(
        (contentType) => [contentType, mockRequest],
      ),
    );

    for (const [path, methods] of methodsByPath) {
      const resource = this.api.root.resourceForPath(path);
      resource.addCorsPreflight({
        allowOrigins: [origin],
        allowMethods: [...methods, 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: Duration.hours(1),
      });
      const notAllowed = resource.addMethod(
        'ANY',
        new apigw.MockIntegration({
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestTemplates,
          integrationResponses: [
            {
              statusCode,
              responseTemplates: { 'application/json': body },
              responseParameters: integrationResponseHeaders,
            },
          ],
        }),
        {
          authorizationType: apigw.AuthorizationType.NONE,
          methodResponses: [{ statusCode, responseParameters: methodResponseHeaders }],
        },
      );
      Validations.of(notAllowed).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'A mock that only ever answers 405 Method Not Allowed; it reaches no backend and returns no data.',
      });
    }
  }

  /** The invoke URL of the stage, for the frontend's configuration. */
  get url(): string {
    return this.api.url;
  }

  /** The full URL of a route without path parameters (e.g. the Stripe webhook endpoint to register). */
  urlOf(routeId: string): string {
    const route = this.routes.find((candidate) => candidate.id === routeId);
    if (!route) throw new Error(`No route ${routeId}`);
    if (route.path.includes('{')) throw new Error(`Route ${routeId} has path parameters: ${route.path}`);
    // The stage URL ends with a slash; route paths start with one.
    return `${this.api.url}${route.path.slice(1)}`;
  }
}
