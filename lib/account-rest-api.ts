import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  GATEWAY_RESPONSES,
  METHOD_NOT_ALLOWED,
  gatewayErrorBody,
  type GatewayErrorResponse,
} from '../lambdas/api/gateway-responses';
import { WIDGET_PATH_PREFIX, type RouteDefinition } from '../lambdas/api/routes';

/** The stage and the browser origin the account API answers. */
export interface AccountRestApiOptions {
  /** The only origin CORS allows (the frontend). */
  readonly origin: string;
  /** Steady-state requests per second for the whole stage, before API Gateway answers 429. */
  readonly throttlingRateLimit: number;
  /** Burst allowance for the whole stage. */
  readonly throttlingBurstLimit: number;
}

const ACCESS_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

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
 * The REST API with its `v1` stage (access logs, throttling, tracing) and API Gateway's own error answers
 * in our JSON error shape, as children `AccessLogs` and `RestApi` of `scope` (the AccountApi). A function,
 * not a construct of its own: a new level in the construct path would rename, so replace, the API.
 */
export function createAccountRestApi(scope: Construct, options: AccountRestApiOptions): apigw.RestApi {
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', { retention: ACCESS_LOG_RETENTION });
  const api = new apigw.RestApi(scope, 'RestApi', {
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
      throttlingRateLimit: options.throttlingRateLimit,
      throttlingBurstLimit: options.throttlingBurstLimit,
      tracingEnabled: true,
      metricsEnabled: true,
      // Errors only, and never request or response bodies: they carry passwords and tokens.
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
    },
  });
  Validations.of(api).acknowledge(
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
  Validations.of(api.node.findChild('CloudWatchRole')).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: 'The account-level API Gateway logging role; the AWS managed policy is the documented way to let API Gateway write stage logs.',
  });

  // API Gateway's own error answers, in our documented JSON error shape and readable by the frontend.
  for (const [type, response] of Object.entries(GATEWAY_RESPONSES) as [string, GatewayErrorResponse][]) {
    api.addGatewayResponse(pascalCase(type), {
      type: apigw.ResponseType.of(type),
      statusCode: String(response.statusCode),
      responseHeaders: { ...corsResponseHeaders(options.origin), 'Content-Type': "'application/json'" },
      templates: { 'application/json': gatewayErrorBody(response) },
    });
  }
  return api;
}

/**
 * On every route resource: a CORS preflight for the frontend origin (any origin on the widget's paths), and an `ANY` method that answers 405
 * (instead of API Gateway's 403) when a known path is called with a method it does not serve. API Gateway
 * prefers a resource's explicit methods, so `ANY` only catches the others. Call after the routes' methods.
 */
export function addPreflightAndMethodNotAllowed(api: apigw.IRestApi, routes: readonly RouteDefinition[], origin: string): void {
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
    const resource = api.root.resourceForPath(path);
    resource.addCorsPreflight({
      // The widget's preflight cannot know whose key it is: it lets the request through, and the handler answers
      // CORS only to that business's allowed origins (api/widget-route.ts). Every other path: the frontend only.
      allowOrigins: path.startsWith(WIDGET_PATH_PREFIX) ? apigw.Cors.ALL_ORIGINS : [origin],
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
