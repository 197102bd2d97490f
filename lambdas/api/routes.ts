/**
 * The REST API's route table: the one source of truth for the CDK stack (API Gateway resources and one
 * Lambda per route) and for the local stack's HTTP adapter, so the two cannot drift.
 *
 * `handler` is a path under `lambdas/` without its extension; that module exports `handler`.
 * Each route also needs its entry in lambdas/api/contract/entries.ts (the OpenAPI contract); a test checks.
 */
/**
 * `customer`: a valid access token, checked by the Lambda authorizer.
 * `iam`: an operator's AWS SigV4 signature (API Gateway IAM auth), allowed by the StackProAdmin policy.
 */
export type RouteAuth = 'public' | 'customer' | 'iam';

export interface RouteDefinition {
  /** Stable PascalCase id: also the CDK construct id of the route's function (never rename it). */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  readonly handler: string;
  readonly auth: RouteAuth;
  /** What the handler needs from AWS, so CDK grants exactly that. */
  readonly access: readonly RouteAccess[];
  /**
   * A `customer` route that answers before the email is verified (status, resend). Every other customer
   * route refuses with 403 EMAIL_NOT_VERIFIED (api/verified-customer.ts); a test holds each to it.
   * @default false
   */
  readonly allowUnverified?: boolean;
  /**
   * The nested stack the route's function lives in (its API Gateway method stays in the main stack, which
   * must stay under CloudFormation's 500 resources). `messaging`: lib/messaging-stack.ts.
   * @default - the main stack
   */
  readonly stack?: 'messaging';
}

export type RouteAccess =
  | 'table:read'
  | 'table:write'
  | 'signing-key:read'
  /** The public keys only (verify a token, never sign one): widget routes checking visitor tokens. */
  | 'signing-key:verify'
  | 'provisioning:start'
  /** GetSecretValue on the Stripe keys secret (the calls themselves go to Stripe over HTTPS). */
  | 'stripe'
  /** StartExecution on the suspend, resume and deprovision workflows. */
  | 'lifecycle:start'
  /** StartExecution on the resize workflow only (a plan change whose price Stripe already has, or its confirmation). */
  | 'resize:start'
  /** SESv2 SendEmail from the sender address (billing notices). */
  | 'ses:send'
  /** Query on the CustomersByStatus index (the operators' customer list). */
  | 'customers:list'
  /** StartExecution on the suspend workflow only (an operator's suspend). */
  | 'lifecycle:suspend'
  /** StartExecution on the resume workflow only (an operator's resume). */
  | 'lifecycle:resume'
  /** DescribeExecution and GetExecutionHistory of every workflow's executions (what support reads in the console). */
  | 'workflows:read'
  /** DescribeInstances (to find a customer's server and its data volume). */
  | 'ec2:describe'
  /** ListRecoveryPointsByResource and DescribeRecoveryPoint in the customer backup vault. */
  | 'backup:read'
  /** StartBackupJob into the customer vault of ManagedBy=stackpro volumes, passing only the backup role. */
  | 'backup:start'
  /** GetItem/Query (no Scan) on the messaging table and its conversation indexes. */
  | 'messaging:read'
  /** PutItem/UpdateItem/TransactWriteItems on the messaging table. */
  | 'messaging:write'
  /** SendTextMessage (End User Messaging SMS) and SendWhatsAppMessage (End User Messaging Social). */
  | 'messaging:send'
  /** StartExecution on the RestoreCustomer workflow only (an operator's restore). */
  | 'restore:start'
  /** StartExecution on the FleetUpdate workflow only (an operator's fleet update). */
  | 'fleet:start';

export const ROUTES: readonly RouteDefinition[] = [
  { id: 'GetHealth', method: 'GET', path: '/health', handler: 'api/get-health', auth: 'public', access: [] },
  {
    id: 'SignUp',
    method: 'POST',
    path: '/auth/signup',
    handler: 'api/sign-up',
    auth: 'public',
    // Provisioning starts at verification (VerifyEmail); signup sends the verification email.
    access: ['table:write', 'signing-key:read', 'ses:send'],
  },
  {
    id: 'LogIn',
    method: 'POST',
    path: '/auth/login',
    handler: 'api/log-in',
    auth: 'public',
    access: ['table:read', 'table:write', 'signing-key:read'],
  },
  {
    id: 'RefreshSession',
    method: 'POST',
    path: '/auth/refresh',
    handler: 'api/refresh-session',
    auth: 'public',
    access: ['table:read', 'table:write', 'signing-key:read'],
  },
  {
    id: 'GetCustomerStatus',
    method: 'GET',
    path: '/customers/{customerId}/status',
    handler: 'api/get-customer-status',
    auth: 'customer',
    access: ['table:read'],
    // Says `pending_verification` until the email is verified.
    allowUnverified: true,
  },
  {
    id: 'CreateCheckoutSession',
    method: 'POST',
    path: '/billing/checkout-session',
    handler: 'api/create-checkout-session',
    auth: 'customer',
    access: ['table:read', 'stripe'],
  },
  {
    id: 'CreatePortalSession',
    method: 'POST',
    path: '/billing/portal-session',
    handler: 'api/create-portal-session',
    auth: 'customer',
    access: ['table:read', 'stripe'],
  },
  {
    id: 'ChangePlan',
    method: 'POST',
    path: '/billing/plan',
    handler: 'api/change-plan',
    auth: 'customer',
    // Stripe's price change; the resize starts here only when Stripe already has the price (a retried change).
    access: ['table:read', 'table:write', 'stripe', 'resize:start'],
  },
  {
    id: 'ReceiveStripeWebhook',
    method: 'POST',
    path: '/stripe/webhooks',
    handler: 'api/receive-stripe-webhook',
    // Public to API Gateway; every request must carry a valid Stripe-Signature over its raw body.
    auth: 'public',
    access: ['table:read', 'table:write', 'stripe', 'lifecycle:start', 'resize:start', 'ses:send'],
  },
  {
    id: 'VerifyEmail',
    method: 'POST',
    path: '/auth/verify-email',
    handler: 'api/verify-email',
    // Opened from the email, wherever that is read: the single-use token is the credential.
    auth: 'public',
    access: ['table:read', 'table:write', 'provisioning:start'],
  },
  {
    id: 'ResendVerification',
    method: 'POST',
    path: '/auth/resend-verification',
    handler: 'api/resend-verification',
    auth: 'customer',
    access: ['table:read', 'table:write', 'ses:send'],
    allowUnverified: true,
  },
  {
    id: 'RetryProvisioning',
    method: 'POST',
    path: '/admin/customers/{customerId}/provisioning/retry',
    handler: 'api/retry-provisioning',
    auth: 'iam',
    access: ['table:read', 'table:write', 'provisioning:start'],
  },
  {
    id: 'ListCustomers',
    method: 'GET',
    path: '/admin/customers',
    handler: 'api/list-customers',
    auth: 'iam',
    access: ['table:read', 'customers:list'],
  },
  {
    id: 'GetCustomer',
    method: 'GET',
    path: '/admin/customers/{customerId}',
    handler: 'api/get-customer',
    auth: 'iam',
    access: ['table:read', 'workflows:read'],
  },
  {
    id: 'AdminSuspendCustomer',
    method: 'POST',
    path: '/admin/customers/{customerId}/suspend',
    handler: 'api/suspend-customer',
    auth: 'iam',
    access: ['table:read', 'table:write', 'lifecycle:suspend'],
  },
  {
    id: 'AdminResumeCustomer',
    method: 'POST',
    path: '/admin/customers/{customerId}/resume',
    handler: 'api/resume-customer',
    auth: 'iam',
    access: ['table:read', 'table:write', 'lifecycle:resume'],
  },
  {
    id: 'ListCustomerBackups',
    method: 'GET',
    path: '/customers/{customerId}/backups',
    handler: 'api/list-customer-backups',
    auth: 'customer',
    access: ['table:read', 'ec2:describe', 'backup:read'],
  },
  {
    id: 'StartCustomerBackup',
    method: 'POST',
    path: '/admin/customers/{customerId}/backups',
    handler: 'api/start-customer-backup',
    auth: 'iam',
    access: ['table:read', 'ec2:describe', 'backup:start'],
  },
  {
    id: 'AdminChangePlan',
    method: 'POST',
    path: '/admin/customers/{customerId}/plan',
    handler: 'api/admin-change-plan',
    auth: 'iam',
    // The customer's own plan change, by an operator: Stripe's price change, and the resize when Stripe has the price already.
    access: ['table:read', 'table:write', 'stripe', 'resize:start'],
  },
  {
    id: 'AdminRestoreCustomer',
    method: 'POST',
    path: '/admin/customers/{customerId}/restore',
    handler: 'api/restore-customer',
    auth: 'iam',
    access: ['table:read', 'table:write', 'ec2:describe', 'backup:read', 'restore:start'],
  },
  {
    id: 'StartFleetUpdate',
    method: 'POST',
    path: '/admin/fleet-updates',
    handler: 'api/start-fleet-update',
    auth: 'iam',
    access: ['table:read', 'table:write', 'fleet:start'],
  },
  {
    id: 'GetFleetUpdate',
    method: 'GET',
    path: '/admin/fleet-updates/{updateId}',
    handler: 'api/get-fleet-update',
    auth: 'iam',
    access: ['table:read'],
  },
  // The API contract (OpenAPI 3.1), generated from lambdas/api/contract; it reads nothing from AWS.
  { id: 'GetOpenApi', method: 'GET', path: '/openapi.json', handler: 'api/get-openapi', auth: 'public', access: [] },
  {
    id: 'RequestPasswordReset',
    method: 'POST',
    path: '/auth/password-reset',
    handler: 'api/request-password-reset',
    auth: 'public',
    access: ['table:read', 'table:write', 'ses:send'],
  },
  {
    id: 'ConfirmPasswordReset',
    method: 'POST',
    path: '/auth/password-reset/confirm',
    handler: 'api/confirm-password-reset',
    auth: 'public',
    access: ['table:read', 'table:write'],
  },
  {
    id: 'LogOut',
    method: 'POST',
    path: '/auth/logout',
    handler: 'api/log-out',
    auth: 'public',
    access: ['table:read', 'table:write'],
  },
  {
    id: 'LogOutAll',
    method: 'POST',
    path: '/auth/logout-all',
    handler: 'api/log-out-all',
    auth: 'customer',
    access: ['table:read', 'table:write'],
    // Signing out is always allowed, verified or not.
    allowUnverified: true,
  },
  // Messaging (README "Messaging"): business and enterprise only, functions in the messaging nested stack.
  ...messagingRoutes([
    { id: 'GetMessagingChannels', method: 'GET', path: '/messaging/channels', handler: 'api/get-messaging-channels', access: ['messaging:read'] },
    { id: 'ListConversations', method: 'GET', path: '/messaging/conversations', handler: 'api/list-conversations', access: ['messaging:read'] },
    {
      id: 'ListConversationMessages',
      method: 'GET',
      path: '/messaging/conversations/{conversationId}/messages',
      handler: 'api/list-conversation-messages',
      // Reading marks the conversation read.
      access: ['messaging:read', 'messaging:write'],
    },
    {
      id: 'SendConversationMessage',
      method: 'POST',
      path: '/messaging/conversations/{conversationId}/messages',
      handler: 'api/send-conversation-message',
      access: ['messaging:read', 'messaging:write', 'messaging:send'],
    },
    { id: 'ResolveConversation', method: 'POST', path: '/messaging/conversations/{conversationId}/resolve', handler: 'api/resolve-conversation', access: ['messaging:read', 'messaging:write'] },
    { id: 'ReopenConversation', method: 'POST', path: '/messaging/conversations/{conversationId}/reopen', handler: 'api/reopen-conversation', access: ['messaging:read', 'messaging:write'] },
    { id: 'UpdateConversation', method: 'PATCH', path: '/messaging/conversations/{conversationId}', handler: 'api/update-conversation', access: ['messaging:read', 'messaging:write'] },
    { id: 'GetWidgetSettings', method: 'GET', path: '/messaging/widget', handler: 'api/get-widget-settings', access: ['messaging:read'] },
    { id: 'UpdateWidgetSettings', method: 'PUT', path: '/messaging/widget', handler: 'api/update-widget-settings', access: ['messaging:read', 'messaging:write'] },
    { id: 'GetMessagingAnalytics', method: 'GET', path: '/messaging/analytics', handler: 'api/get-messaging-analytics', access: ['messaging:read'] },
    { id: 'ExportMessagingAnalytics', method: 'GET', path: '/messaging/analytics.csv', handler: 'api/export-messaging-analytics', access: ['messaging:read'] },
  ]),
  // The live-chat widget (README "Messaging"): public, the key in the path and the visitor token as credentials.
  ...widgetRoutes([
    {
      id: 'CreateWidgetVisitor',
      method: 'POST',
      path: '/widget/{publicKey}/visitors',
      handler: 'api/create-widget-visitor',
      // Signs visitor tokens (and verifies a returning one); counts new visitors per key (customer table).
      access: ['table:write', 'signing-key:read', 'signing-key:verify', 'messaging:read'],
    },
    {
      id: 'SendWidgetMessage',
      method: 'POST',
      path: '/widget/{publicKey}/messages',
      handler: 'api/send-widget-message',
      // Counts the visitor's messages (customer table) and records them.
      access: ['table:write', 'signing-key:verify', 'messaging:read', 'messaging:write'],
    },
    { id: 'ListWidgetMessages', method: 'GET', path: '/widget/{publicKey}/messages', handler: 'api/list-widget-messages', access: ['signing-key:verify', 'messaging:read'] },
    { id: 'GetWidgetScript', method: 'GET', path: '/widget/{publicKey}/widget.js', handler: 'api/get-widget-script', access: ['messaging:read'] },
  ]),
];

/** Widget routes (no authorizer: the widget key and the visitor token are checked by the handler), functions in the messaging stack. */
function widgetRoutes(routes: readonly (Pick<RouteDefinition, 'id' | 'method' | 'path' | 'handler'> & { access: readonly RouteAccess[] })[]): RouteDefinition[] {
  return routes.map((route) => ({ ...route, auth: 'public', access: ['table:read', ...route.access], stack: 'messaging' }));
}

/** Path prefix of the widget routes: their CORS preflight allows any origin, and each handler answers CORS only to the business's allowed origins. */
export const WIDGET_PATH_PREFIX = '/widget/';

/** Messaging routes: customer auth, the account (plan, status) read from the customer table, functions in the messaging stack. */
function messagingRoutes(routes: readonly (Pick<RouteDefinition, 'id' | 'method' | 'path' | 'handler'> & { access: readonly RouteAccess[] })[]): RouteDefinition[] {
  return routes.map((route) => ({ ...route, auth: 'customer', access: ['table:read', ...route.access], stack: 'messaging' }));
}

/** The Lambda authorizer guarding `customer` routes; it needs only the public verification key (env). */
export const CUSTOMER_AUTHORIZER_HANDLER = 'api/authorize-customer';
