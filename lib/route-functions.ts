import { Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import type { RouteAuth, RouteDefinition } from '../lambdas/api/routes';
import { grantFunctionAccess, type AccessTargets } from './function-access';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';

/** How API Gateway checks each kind of route: nothing, our JWT authorizer, or the caller's IAM signature. */
const AUTHORIZATION_TYPES: Record<RouteAuth, apigw.AuthorizationType> = {
  public: apigw.AuthorizationType.NONE,
  customer: apigw.AuthorizationType.CUSTOM,
  iam: apigw.AuthorizationType.IAM,
};

/**
 * Routes that hash a password (argon2id, 19 MiB, in WebAssembly). Lambda gives CPU in proportion to memory,
 * so these get 1 GB to keep a sign-up or log-in well under a second.
 */
const PASSWORD_HASHING_ROUTES: ReadonlySet<string> = new Set(['SignUp', 'LogIn', 'ConfirmPasswordReset']);
const PASSWORD_HASHING_MEMORY_MB = 1024;

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
  CreateWidgetVisitor:
    "is the live-chat widget on a business's own website, whose visitors have no account: the handler answers only a known widget key, " +
    "only from the origins the business allowed, and rate-limits new visitors per key; a returning visitor's ES256 visitor token is verified.",
  SendWidgetMessage:
    'is the live-chat widget: the handler requires a valid ES256 visitor token of this widget (the visitor reaches only its own conversation), ' +
    'an allowed origin, and a per-visitor rate.',
  ListWidgetMessages: 'is the live-chat widget: the handler requires a valid ES256 visitor token of this widget and reads only that visitor\'s conversation.',
  GetWidgetScript: 'serves the static live-chat script (no data) for a known widget key: a script tag cannot send credentials.',
};
const DEFAULT_PUBLIC_ROUTE_REASON = 'is public by design (signup/login/refresh/health); customer routes use the JWT Lambda authorizer.';

/** What route functions are granted (lib/function-access.ts), and the settings every route echoes to clients. */
export interface RouteTargets extends AccessTargets {
  readonly settings: AccessTargets['settings'] & Pick<StackProSettings, 'frontendOrigin' | 'stripePriceIds'>;
  /** Where the functions of routes marked `stack: 'messaging'` go (lib/messaging-stack.ts `routeScope`). */
  readonly messagingRouteScope?: Construct;
}

/**
 * Settings a route's handler reads beyond what its access implies (names from lambdas/config.ts): the plan
 * change and its confirmation by Stripe's webhook compare and set the plans' Stripe prices.
 */
const ROUTE_SETTINGS: Readonly<Record<string, (settings: RouteTargets['settings']) => Record<string, string>>> = {
  ChangePlan: (settings) => ({ STRIPE_PRICE_IDS: JSON.stringify(settings.stripePriceIds) }),
  AdminChangePlan: (settings) => ({ STRIPE_PRICE_IDS: JSON.stringify(settings.stripePriceIds) }),
  ReceiveStripeWebhook: (settings) => ({ STRIPE_PRICE_IDS: JSON.stringify(settings.stripePriceIds) }),
};

/** Routes that show the widget's script URL (lambdas/messaging/widget-settings-view.ts). */
const WIDGET_URL_ROUTES: ReadonlySet<string> = new Set(['GetMessagingChannels', 'GetWidgetSettings']);

/**
 * The REST API's `/widget` URL, from the API's id and the `v1` stage name: never from the stage or `api.url`,
 * whose deployment waits on the messaging nested stack these functions live in (a cycle).
 */
function widgetBaseUrl(api: apigw.IRestApi, fn: Construct): string {
  const stack = Stack.of(fn);
  return `https://${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/v1/widget`;
}

/** The route functions, keyed by route id, and the `iam` routes' methods (for the admin policy). */
export interface RouteFunctions {
  readonly functions: Readonly<Record<string, StackProFunction>>;
  readonly adminMethods: readonly apigw.Method[];
  /** The imported view of the API that nested routes' methods were added to (lib/account-api.ts deploys them). */
  readonly nestedApi?: apigw.IRestApi;
}

/**
 * One Lambda per route as a child of `scope` (the AccountApi) with the route id as its construct id, granted
 * exactly its declared access, and its method on `api`: authorized by nothing, our JWT authorizer or IAM, as
 * the route says. A function, not a construct of its own, so the construct paths (and logical ids) stay.
 */
export function addRouteFunctions(
  scope: Construct,
  api: apigw.RestApi,
  routes: readonly RouteDefinition[],
  authorizer: apigw.IAuthorizer,
  targets: RouteTargets,
): RouteFunctions {
  // Parameters only: bodies are validated in the handlers (zod), which return field-level details.
  const parameterValidator = api.addRequestValidator('ParameterValidator', {
    requestValidatorName: 'request-parameters',
    validateRequestParameters: true,
    validateRequestBody: false,
  });

  const functions: Record<string, StackProFunction> = {};
  const adminMethods: apigw.Method[] = [];
  // A route of a nested stack has its function and its methods there, on an imported view of the same REST API
  // (CloudFormation's 500 resources per stack): see RouteDefinition.stack and lib/nested-routes.ts.
  let nestedApi: apigw.IRestApi | undefined;
  const apiFor = (nestedScope: Construct) => {
    if (nestedApi) return nestedApi;
    nestedApi = apigw.RestApi.fromRestApiAttributes(nestedScope, 'RestApi', { restApiId: api.restApiId, rootResourceId: api.restApiRootResourceId });
    Validations.of(nestedApi).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'The same API as the main stack\'s (its methods here for the resource budget): our own ES256 JWTs through the JWT Lambda authorizer, no Cognito.',
    });
    return nestedApi;
  };
  // The nested methods take the authorizer and validator by id: a CDK Authorizer may attach to one API object only.
  const nestedAuthorizer: apigw.IAuthorizer = { authorizerId: authorizer.authorizerId, authorizationType: apigw.AuthorizationType.CUSTOM };
  // Method reads only the id of a validator; the nested stack receives it as a parameter.
  const nestedValidator = { requestValidatorId: parameterValidator.requestValidatorId } as apigw.IRequestValidator;
  for (const route of routes) {
    const functionScope = route.stack === 'messaging' ? targets.messagingRouteScope : scope;
    if (!functionScope) throw new Error(`${route.id} lives in the messaging stack, but no messagingRouteScope was given`);
    const fn = new StackProFunction(functionScope, route.id, {
      handler: route.handler,
      description: `${route.method} ${route.path}`,
      memorySize: PASSWORD_HASHING_ROUTES.has(route.id) ? PASSWORD_HASHING_MEMORY_MB : undefined,
      // Echoed to clients (customer URLs, links in emails); the rest comes with the route's access.
      environment: { CUSTOMER_DOMAIN: targets.settings.customerDomain, FRONTEND_ORIGIN: targets.settings.frontendOrigin, ...ROUTE_SETTINGS[route.id]?.(targets.settings) },
    });
    grantFunctionAccess(fn, route.id, route.access, targets);
    if (WIDGET_URL_ROUTES.has(route.id)) fn.addEnvironment('MESSAGING_WIDGET_URL', widgetBaseUrl(api, fn));
    functions[route.id] = fn;

    const nested = route.stack !== undefined;
    const routeApi = nested ? apiFor(functionScope) : api;
    const method = routeApi.root.resourceForPath(route.path).addMethod(
      route.method,
      new apigw.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false }),
      {
        operationName: route.id,
        authorizationType: AUTHORIZATION_TYPES[route.auth],
        authorizer: route.auth === 'customer' ? (nested ? nestedAuthorizer : authorizer) : undefined,
        requestValidator: nested ? nestedValidator : parameterValidator,
        requestParameters: route.auth === 'public' ? undefined : { 'method.request.header.Authorization': true },
      },
    );
    if (route.auth === 'iam') adminMethods.push(method);
    if (route.auth === 'public') {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.id} ${PUBLIC_ROUTE_REASONS[route.id] ?? DEFAULT_PUBLIC_ROUTE_REASON}`,
      });
    }
  }
  return { functions, adminMethods, nestedApi };
}
