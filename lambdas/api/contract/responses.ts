import * as z from 'zod';
import { PLAN_NAMES } from '../../core/plans';
import type { PlanChangeResult } from '../../billing/change-plan';
import type { CustomerStatusView } from '../../services/customer-status';
import type { RetryResult } from '../../services/retry-provisioning';
import type { CustomerPage } from '../../services/customer-directory';
import type { CustomerDetailView } from '../../services/customer-detail';
import type { OperatorActionResult } from '../../services/operator-lifecycle';
import type { BackupPage } from '../../services/customer-backups';
import type { ConversationListPage, MessageListPage } from '../../messaging/inbox';
import type { Conversation, Message } from '../../messaging/model';
import type { ChannelsView } from '../../messaging/channels-view';
import type { VisitorMessage, VisitorMessagePage, VisitorSession } from '../../messaging/widget-chat';
import type { WidgetView } from '../../messaging/widget-settings-view';
import { CHANNELS } from '../../messaging/model';
import type { AnalyticsReport } from '../../messaging/analytics/report';
import { RELATIVE_ERROR } from '../../messaging/analytics/histogram';
import type { RestoreResult } from '../../services/customer-restore';
import type { SessionTokens as IssuedTokens } from '../../services/session-tokens';

/**
 * Response bodies, as zod schemas: the OpenAPI document is generated from them, and the type checks at the
 * end of this file make `tsc` fail when a service's result stops matching its schema. Strict objects: a
 * field the contract does not name is a contract change, not a silent addition.
 */

const isoDateTime = z.iso.datetime().describe('ISO 8601 date and time, UTC.');
const customerId = z.string().min(1).describe("The customer's id (from signup or login).");
const customerStatus = z.enum(['pending_verification', 'provisioning', 'waiting_for_capacity', 'active', 'failed', 'past_due', 'suspending', 'suspended', 'resuming', 'cancelled']);
const serviceState = z.enum(['provisioning', 'running', 'pending_verification', 'failed', 'suspended', 'deleted']);

export const HealthResponse = z.strictObject({ status: z.literal('ok') });

export const SessionTokens = z.strictObject({
  accessToken: z.string().describe('ES256 JWT; send it as `Authorization: Bearer <accessToken>`.'),
  refreshToken: z.string().describe('Opaque, valid for 30 days, spent by each refresh.'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.int().positive().describe('Seconds until the access token expires.'),
});

export const SignUpResponse = z.strictObject({
  customerId,
  status: customerStatus,
  plan: z.enum(PLAN_NAMES),
  subdomain: z.string(),
  trialEndsAt: isoDateTime.nullable().describe('null until the email is verified: the trial starts then.'),
  statusUrl: z.url().describe('Absolute URL of the status route; also sent as `Location`.'),
  ...SessionTokens.shape,
});

/** What verify-email answers, for the first click and every later one. */
export const VerifyEmailResponse = z.strictObject({ customerId, status: customerStatus });

/** Resend: the account is still waiting for its email to be verified. */
export const ResendVerificationResponse = z.strictObject({ status: z.literal('pending_verification') });

/** Password reset request: the same 202 whatever the email, so it tells nothing. */
export const PasswordResetAccepted = z.strictObject({ message: z.string() });

/** Login and refresh answer the same session shape. */
export const SessionResponse = z.strictObject({ customerId, ...SessionTokens.shape });

/** One step of a workflow, named exactly like its state in the Step Functions console. */
const workflowStep = z.strictObject({
  name: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: isoDateTime,
  endedAt: isoDateTime.optional(),
  message: z.string().optional(),
});

export const CustomerStatusResponse = z.strictObject({
  customerId,
  status: customerStatus,
  plan: z.enum(PLAN_NAMES),
  pendingPlan: z.enum(PLAN_NAMES).optional().describe('The plan a change (POST /billing/plan) is moving to, until its resize has finished.'),
  planChangeFailure: z.string().optional().describe("Why the last plan change's resize failed; the server runs on its previous type."),
  company: z.string(),
  subdomain: z.string(),
  createdAt: isoDateTime,
  trialEndsAt: isoDateTime.nullable(),
  publicIp: z.string().nullable(),
  services: z.strictObject({ website: serviceState, crm: serviceState, email: serviceState }),
  failureReason: z.string().optional().describe('Present when provisioning failed: what went wrong, in words for the customer.'),
  billing: z.strictObject({
    stripeCustomerId: z.string().nullable(),
    subscriptionStatus: z.string().nullable(),
    trialEndsAt: isoDateTime.nullable(),
    currentPeriodEnd: isoDateTime.nullable(),
    cancelAtPeriodEnd: z.boolean(),
  }),
  provisioning: z.strictObject({
    executionName: z.string(),
    attempt: z.int().positive(),
    currentStep: z.string().nullable(),
    steps: z.array(workflowStep),
  }),
  workflow: z
    .strictObject({
      name: z.string().describe('The workflow: ProvisionCustomer, SuspendCustomer, ResumeCustomer, DeprovisionCustomer, ...'),
      executionName: z.string().describe('The Step Functions execution, as support finds it in the console.'),
      currentStep: z.string().nullable(),
      steps: z.array(workflowStep),
    })
    .nullable()
    .describe('The workflow running now, or the one that ran last; null before any step ran.'),
  usage: z
    .strictObject({
      measuredAt: isoDateTime.describe('When the usage job measured these figures (every 15 minutes).'),
      diskUsedBytes: z.int().nonnegative().optional().describe('Bytes used on the server disk; left out until the server has reported it.'),
      dataTransferredOut: z
        .strictObject({ bytes: z.int().nonnegative(), since: isoDateTime.describe('The start of the month, UTC.') })
        .optional()
        .describe('Bytes the server sent out this month (EC2 NetworkOut); left out until EC2 has reported any.'),
      backups: z
        .strictObject({
          count: z.int().nonnegative(),
          totalBytes: z.int().nonnegative().optional().describe('Sum of the snapshots\' full sizes; left out while EC2 has not reported one.'),
        })
        .optional()
        .describe('The backup snapshots kept now.'),
    })
    .optional()
    .describe('Measured usage; absent until first measured. A figure not known yet is left out, never estimated.'),
});

export const BillingSessionResponse = z.strictObject({ url: z.url().describe('Stripe-hosted page to send the browser to.') });

export const WebhookReceipt = z.strictObject({
  received: z.literal(true),
  duplicate: z.literal(true).optional().describe('This event id was already processed; nothing was done again.'),
});

export const RetryProvisioningResponse = z.strictObject({
  customerId,
  status: z.literal('provisioning'),
  attempt: z.int().positive(),
  executionName: z.string(),
});

/** One line of the operators' customer list. */
const customerListing = z.strictObject({
  customerId,
  email: z.string(),
  company: z.string(),
  plan: z.enum(PLAN_NAMES),
  status: customerStatus,
  subdomain: z.string(),
  createdAt: isoDateTime,
});

export const CustomerListResponse = z.strictObject({
  items: z.array(customerListing),
  nextCursor: z.string().optional().describe('Pass as `cursor` (with the same filters) for the next page; absent on the last page.'),
});

/** One workflow execution, as the Step Functions console shows it. */
const executionView = z.strictObject({
  workflow: z.string().describe('ProvisionCustomer, SuspendCustomer, ResumeCustomer, DeprovisionCustomer.'),
  executionName: z.string(),
  status: z.string().describe('RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE; NOT_FOUND once Step Functions dropped it (90 days).'),
  startedAt: isoDateTime.nullable(),
  stoppedAt: isoDateTime.nullable(),
  failedState: z.string().optional().describe('The state whose retries ran out, or where a stop or time-out caught the execution.'),
  error: z.string().optional(),
  cause: z.string().optional(),
  stateError: z.string().optional().describe("The failed state's own error (its last TaskFailed event)."),
  stateCause: z.string().optional(),
});

export const CustomerDetailResponse = z.strictObject({
  ...CustomerStatusResponse.shape,
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  verifiedAt: isoDateTime.nullable(),
  appVersion: z.string().nullable().describe('The app version its server runs (lambdas/core/app-versions.json); null when never recorded (servers from before versions were recorded run the first one).'),
  executions: z.array(executionView),
});

export const OperatorActionResponse = z.strictObject({
  customerId,
  status: customerStatus,
  changed: z.boolean().describe('False when the customer was already there or on the way: nothing was started.'),
  executionName: z.string().optional().describe('The workflow execution this request started.'),
});
/** A page of the customer's recovery points, newest first. */
export const CustomerBackupsResponse = z.strictObject({
  items: z.array(
    z.strictObject({
      recoveryPointId: z.string().describe('The recovery point (an EBS snapshot id); pass it to the restore route.'),
      createdAt: isoDateTime,
      status: z.string().describe('AWS Backup status: COMPLETED, PARTIAL, DELETING, EXPIRED, AVAILABLE, STOPPED, CREATING.'),
      sizeBytes: z.int().nonnegative().optional().describe('Left out until AWS Backup knows it.'),
      expiresAt: isoDateTime.optional().describe('When AWS Backup deletes it; left out when not known.'),
    }),
  ),
  nextCursor: z.string().optional().describe('Pass as `?cursor=` for the next page; absent on the last page.'),
});

/** An on-demand backup job, running in AWS Backup. */
export const StartBackupResponse = z.strictObject({ backupJobId: z.string() });

/** Messaging: one conversation in the inbox. */
export const ConversationResponse = z.strictObject({
  conversationId: z.string(),
  channel: z.enum(['sms', 'whatsapp', 'chat']),
  contact: z.string().describe("The client's E.164 phone number (SMS, WhatsApp), or the widget visitor's id (chat)."),
  status: z.enum(['open', 'pending', 'resolved']),
  unreadCount: z.int().nonnegative(),
  lastMessageAt: isoDateTime,
  lastInboundAt: isoDateTime.optional().describe('When the contact last wrote (WhatsApp allows free text for 24 hours after).'),
  assignee: z.string().optional(),
  labels: z.array(z.string()),
});

/** A page of the inbox, most recent activity first. */
export const ConversationListResponse = z.strictObject({
  items: z.array(ConversationResponse),
  nextCursor: z.string().optional().describe('Pass as `?cursor=` (with the same filters) for the next page; absent on the last page.'),
});

/** One message of a conversation. */
export const MessageResponse = z.strictObject({
  messageId: z.string(),
  direction: z.enum(['in', 'out']),
  text: z.string(),
  sentAt: isoDateTime.describe("The provider's timestamp for inbound messages; when it was recorded for replies."),
  status: z.enum(['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received']),
  author: z.string().optional().describe('Who replied (outbound only).'),
});

/** A page of a conversation's messages, newest first. */
export const MessageListResponse = z.strictObject({
  items: z.array(MessageResponse),
  nextCursor: z.string().optional().describe('Pass as `?cursor=` for older messages; absent on the last page.'),
});

/** The account's messaging channels. */
export const MessagingChannelsResponse = z.strictObject({
  sms: z.strictObject({ number: z.string().describe('E.164.') }),
  whatsapp: z.strictObject({ number: z.string().describe('E.164.') }),
  widget: z
    .strictObject({ publicKey: z.string(), scriptUrl: z.string().optional().describe('Absent until the widget is deployed.') })
    .optional(),
  websocketUrl: z.string().optional().describe('Absent until the WebSocket API is deployed.'),
});
/** A widget visitor's session (POST /widget/{publicKey}/visitors). */
export const WidgetVisitorResponse = z.strictObject({
  visitorId: z.string(),
  conversationId: z.string().describe("The visitor's one conversation (the same for a returning visitor)."),
  visitorToken: z.string().describe('ES256 JWT (`aud: stackpro-widget`), 30 days: send as `Authorization: Bearer` to the widget routes, and as `?visitorToken=` to the WebSocket.'),
  expiresAt: isoDateTime,
  websocketUrl: z.string().optional().describe('Absent until the WebSocket API is deployed (the widget then polls).'),
});

/** One message as the visitor sees it (no staff fields). */
export const VisitorMessageResponse = z.strictObject({
  messageId: z.string(),
  direction: z.enum(['in', 'out']).describe('`in`: the visitor wrote it; `out`: the business replied.'),
  text: z.string(),
  sentAt: isoDateTime,
  status: z.enum(['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received']),
});

/** A page of the visitor's own conversation, newest first. */
export const VisitorMessageListResponse = z.strictObject({
  items: z.array(VisitorMessageResponse),
  nextCursor: z.string().optional().describe('Pass as `?cursor=` for older messages; absent on the last page.'),
});

/** The live-chat widget's settings, as staff see them. */
export const WidgetSettingsResponse = z.strictObject({
  publicKey: z.string(),
  allowedOrigins: z.array(z.string()).describe('Page origins the widget answers; empty: none.'),
  scriptUrl: z.string().optional().describe('The `src` of the one script tag.'),
});

export const PlanChangeResponse = z.strictObject({
  plan: z.enum(PLAN_NAMES).describe('The plan the account is on until the resize has finished.'),
  pendingPlan: z.enum(PLAN_NAMES).describe('The plan the change is moving to.'),
});

/** A restore of a recovery point, running (or already running) as the RestoreCustomer workflow. */
export const RestoreCustomerResponse = z.strictObject({
  customerId,
  recoveryPointId: z.string(),
  executionName: z.string().describe('The RestoreCustomer execution; the status route shows its steps.'),
  changed: z.boolean().describe('False when this restore was already running (a repeated request): nothing new was started.'),
});

/** Messaging analytics: how many durations, and their median and p90 (absent when there are none). */
const DurationSummaryResponse = z.strictObject({
  count: z.int().nonnegative(),
  medianSeconds: z.number().nonnegative().optional().describe(`Nearest-rank median, in seconds, within ${(RELATIVE_ERROR * 100).toFixed(1)}% (or 1 s).`),
  p90Seconds: z.number().nonnegative().optional().describe(`Nearest-rank 90th percentile, in seconds, within ${(RELATIVE_ERROR * 100).toFixed(1)}% (or 1 s).`),
});

const analyticsCounts = {
  incoming: z.int().nonnegative().describe('Messages from clients.'),
  outgoing: z.int().nonnegative().describe('Staff replies recorded.'),
  opened: z.int().nonnegative().describe('Conversations opened or reopened.'),
  resolved: z.int().nonnegative(),
  firstResponse: DurationSummaryResponse.describe("From a client's opening message to the first staff reply, counted on the reply's day."),
  resolution: DurationSummaryResponse.describe('From opening to resolution, counted on the day it was resolved.'),
};

/** Messaging analytics: one row per UTC day and channel with activity, and the range's totals. */
export const AnalyticsResponse = z.strictObject({
  from: z.iso.date(),
  to: z.iso.date(),
  channel: z.enum(CHANNELS).optional(),
  rows: z.array(z.strictObject({ date: z.iso.date(), channel: z.enum(CHANNELS), ...analyticsCounts })).describe('Days with activity only, by date then channel.'),
  totals: z.strictObject(analyticsCounts).describe('The whole range (percentiles over all its values, not an average of days).'),
});

/** The same rows as RFC 4180 CSV. */
export const AnalyticsCsvResponse = z
  .string()
  .describe(
    'text/csv with a header row: date, channel, incoming, outgoing, opened, resolved, first_response_count, first_response_median_seconds, ' +
      'first_response_p90_seconds, resolution_count, resolution_median_seconds, resolution_p90_seconds (empty when there are no values); CRLF line ends.',
  );

/** The one error shape of every failure (lambdas/api/http-errors.ts and API Gateway's own responses). */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('Machine-readable; see the codes listed per response.'),
    message: z.string().describe('For people; may change.'),
    details: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .describe('One entry per offending field (`body` when the body is not an object).'),
  }),
});

/** The OpenAPI document itself: only its outline is promised here. */
export const OpenApiDocumentResponse = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });

// Compile-time conformance: each service result must be assignable to its schema's output type.
// (Deeply readonly: services return readonly views, which JSON serialises the same.)
type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
type Conforms<Actual extends DeepReadonly<Expected>, Expected> = Actual;
export type ContractChecks = [
  Conforms<CustomerStatusView, z.output<typeof CustomerStatusResponse>>,
  Conforms<IssuedTokens, z.output<typeof SessionTokens>>,
  Conforms<IssuedTokens & { customerId: string }, z.output<typeof SessionResponse>>,
  Conforms<RetryResult, z.output<typeof RetryProvisioningResponse>>,
  Conforms<CustomerPage, z.output<typeof CustomerListResponse>>,
  Conforms<CustomerDetailView, z.output<typeof CustomerDetailResponse>>,
  Conforms<OperatorActionResult, z.output<typeof OperatorActionResponse>>,
  Conforms<BackupPage, z.output<typeof CustomerBackupsResponse>>,
  Conforms<ConversationListPage, z.output<typeof ConversationListResponse>>,
  Conforms<MessageListPage, z.output<typeof MessageListResponse>>,
  Conforms<Conversation, z.output<typeof ConversationResponse>>,
  Conforms<Message, z.output<typeof MessageResponse>>,
  Conforms<ChannelsView, z.output<typeof MessagingChannelsResponse>>,
  Conforms<VisitorSession, z.output<typeof WidgetVisitorResponse>>,
  Conforms<VisitorMessage, z.output<typeof VisitorMessageResponse>>,
  Conforms<VisitorMessagePage, z.output<typeof VisitorMessageListResponse>>,
  Conforms<WidgetView, z.output<typeof WidgetSettingsResponse>>,
  Conforms<AnalyticsReport, z.output<typeof AnalyticsResponse>>,
  Conforms<{ backupJobId: string }, z.output<typeof StartBackupResponse>>,
  Conforms<RestoreResult, z.output<typeof RestoreCustomerResponse>>,
  Conforms<{ url: string }, z.output<typeof BillingSessionResponse>>,
  Conforms<PlanChangeResult, z.output<typeof PlanChangeResponse>>,
  Conforms<{ received: true; duplicate?: true }, z.output<typeof WebhookReceipt>>,
];
