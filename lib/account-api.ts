import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { CustomerBackups } from './customer-backups';
import type { MessagingStack } from './messaging-stack';
import { ROUTES, type RouteDefinition } from '../lambdas/api/routes';
import { createAccountRestApi, addPreflightAndMethodNotAllowed } from './account-rest-api';
import { createAdminAccessPolicy } from './admin-access';
import { createCustomerAuthorizer } from './customer-authorizer';
import type { LifecycleWorkflows } from './lifecycle-workflows';
import type { ResizeWorkflowStack } from './resize-workflow-stack';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import { addRouteFunctions } from './route-functions';
import type { StackProSettings } from './settings';
import type { SigningKey } from './signing-key';
import type { StackProFunction } from './stackpro-function';
import type { StripeKeys } from './stripe-keys';

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
  /** Routes with `resize:start` may start the resize workflow (in its nested stack). */
  readonly resize?: ResizeWorkflowStack;
  /** Routes with `backup:read` or `backup:start` reach this vault (and may pass its role to AWS Backup). */
  readonly backups?: CustomerBackups;
  /** The messaging nested stack: routes marked `stack: 'messaging'` get their functions there, with its table. */
  readonly messaging?: MessagingStack;
  /** Routes with `restore:start` may start the RestoreCustomer workflow (lib/restore-workflow-stack.ts). */
  readonly restore?: { readonly stateMachine: sfn.StateMachine };
  /** Routes with `fleet:start` may start this workflow (lib/fleet-update-stack.ts). */
  readonly fleetUpdate?: sfn.StateMachine;
  /**
   * Echoed by handlers (customer URLs) and used for CORS; `ses:send` routes send from `senderAddress`;
   * `lifecycle:start` routes pass `billingRetentionDays` to Deprovision.
   */
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'frontendOrigin' | 'senderAddress' | 'billingRetentionDays' | 'stripePriceIds'>;
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
 * The public REST API (sign-up, log-in, token refresh, customer status, billing sessions, the Stripe webhook),
 * built from the route table in lambdas/api/routes.ts so that it and the local stack's HTTP adapter cannot
 * drift. Its parts, one file each, all place their resources directly in this construct (their construct
 * ids are a contract): the REST API, stage, gateway responses and CORS (account-rest-api.ts), the JWT
 * authorizer (customer-authorizer.ts), one Lambda per route granted only what its route declares
 * (route-functions.ts), and the operators' policy for the admin routes (admin-access.ts).
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

    // The order they were always built in: the stage's deployment id is a hash over the API's methods.
    this.api = createAccountRestApi(this, {
      origin,
      throttlingRateLimit: props.throttlingRateLimit ?? 50,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
    });
    const authorizer = createCustomerAuthorizer(this, props.signingKey);
    this.authorizerFunction = authorizer.fn;
    const routeFunctions = addRouteFunctions(this, this.api, routes, authorizer.authorizer, {
      ...props,
      messagingTable: props.messaging?.messagingTable.table,
      messagingRouteScope: props.messaging?.routeScope,
    });
    this.routeFunctions = routeFunctions.functions;
    this.adminPolicy = createAdminAccessPolicy(this, routeFunctions.adminMethods);
    addPreflightAndMethodNotAllowed(this.api, routes.filter((route) => route.stack === undefined), origin);
    const nestedRoutes = routes.filter((route) => route.stack !== undefined);
    if (routeFunctions.nestedApi && props.messaging) {
      addPreflightAndMethodNotAllowed(routeFunctions.nestedApi, nestedRoutes, origin);
      // The stage's deployment sees only this stack's methods: it must also change when a nested route does, and
      // be made after the nested stack's methods exist.
      const deployment = this.api.latestDeployment!;
      deployment.addToLogicalId({ nestedRoutes: nestedRoutes.map(({ id, method, path, auth, handler }) => ({ id, method, path, auth, handler })), origin });
      deployment.node.addDependency(props.messaging);
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
