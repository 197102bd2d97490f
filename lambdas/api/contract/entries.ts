import * as z from 'zod';
import { ChangePlanBody, ListCustomersQuery, RestoreCustomerBody, LogInBody, LogOutBody, PasswordResetBody, PasswordResetConfirmBody, RefreshBody, SignUpBody, VerifyEmailBody } from '../schemas';
import type { RouteContract } from './route-contract';
import { AnalyticsQuery, ListConversationsQuery, ListMessagesQuery, SendMessageBody, UpdateConversationBody } from '../messaging-schemas';
import { StartFleetUpdateBody } from '../fleet-schemas';
import { FleetUpdateResponse } from './fleet-responses';
import { WidgetMessageBody, WidgetMessagesQuery, WidgetSettingsBody } from '../widget-schemas';
import {
  BillingSessionResponse,
  CustomerDetailResponse,
  CustomerListResponse,
  CustomerStatusResponse,
  HealthResponse,
  OpenApiDocumentResponse,
  OperatorActionResponse,
  PlanChangeResponse,
  PasswordResetAccepted,
  ResendVerificationResponse,
  RetryProvisioningResponse,
  CustomerBackupsResponse,
  StartBackupResponse,
  RestoreCustomerResponse,
  SessionResponse,
  SignUpResponse,
  VerifyEmailResponse,
  WebhookReceipt,
  ConversationListResponse,
  ConversationResponse,
  MessageListResponse,
  MessageResponse,
  MessagingChannelsResponse,
  VisitorMessageListResponse,
  VisitorMessageResponse,
  WidgetSettingsResponse,
  WidgetVisitorResponse,
  AnalyticsResponse,
  AnalyticsCsvResponse,
} from './responses';

/** What every visitor route of the widget reads besides its body. */
const WIDGET_HEADERS = {
  Origin: 'Required: the page\'s origin, one of the business\'s `allowedOrigins` (browsers send it). Answers carry `Access-Control-Allow-Origin` for it.',
  Authorization: '`Bearer <visitorToken>` from POST /widget/{publicKey}/visitors.',
};
const WIDGET_ERRORS = ['NOT_FOUND', 'WIDGET_ORIGIN_NOT_ALLOWED', 'WIDGET_UNAVAILABLE', 'VISITOR_TOKEN_INVALID'] as const;

/** The Stripe event as the webhook receives it; Stripe's signature, not this schema, decides what is accepted. */
const StripeEvent = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) });

/**
 * The API contract: one entry per route id of lambdas/api/routes.ts, from which GET /openapi.json is
 * generated. Adding a route means adding one entry here, keyed by the route's id: its request schema (the
 * one the handler validates with), its success response schema (add it to responses.ts) and the error
 * codes its own code throws (add a new code to errors.ts). A unit test fails while a route has no entry or
 * an entry names no route.
 */
export const ROUTE_CONTRACTS: Readonly<Record<string, RouteContract>> = {
  GetHealth: {
    summary: 'The API and its functions answer',
    success: { status: 200, description: 'Healthy.', body: HealthResponse },
  },
  GetOpenApi: {
    summary: 'This document: the API contract (OpenAPI 3.1)',
    description: '`servers` names the API the document was fetched from.',
    success: { status: 200, description: 'The OpenAPI document.', body: OpenApiDocumentResponse },
  },
  SignUp: {
    summary: 'Create an account, pending verification of its email',
    description:
      'Answers as soon as the account is stored (`status: pending_verification`, `trialEndsAt: null`) and one verification ' +
      'email is sent. Nothing is provisioned until the link in it is followed (`POST /auth/verify-email`).',
    request: SignUpBody,
    success: {
      status: 201,
      description: 'Account created; the session tokens of its first session.',
      body: SignUpResponse,
      headers: { Location: 'The status URL (same as `statusUrl`).' },
    },
    errors: ['EMAIL_TAKEN'],
  },
  LogIn: {
    summary: 'Start a session with email and password',
    request: LogInBody,
    success: { status: 200, description: 'A fresh session.', body: SessionResponse },
    errors: ['INVALID_CREDENTIALS', 'TOO_MANY_ATTEMPTS'],
  },
  RefreshSession: {
    summary: 'Spend a refresh token for the next token pair of the same session',
    description: 'Presenting a spent refresh token again revokes its whole session.',
    request: RefreshBody,
    success: { status: 200, description: 'The next token pair; the presented refresh token is spent.', body: SessionResponse },
    errors: ['INVALID_REFRESH_TOKEN'],
  },
  GetCustomerStatus: {
    summary: "The caller's account, services, billing and provisioning progress",
    description: "Another customer's id answers 404 exactly like an unknown one.",
    success: { status: 200, description: 'The status page.', body: CustomerStatusResponse },
    errors: ['NOT_FOUND'],
  },
  VerifyEmail: {
    summary: 'Prove the email: starts the 7-day trial and provisioning',
    description: 'The token comes from the link in the verification email. A repeated click answers the current status and starts nothing twice.',
    request: VerifyEmailBody,
    success: { status: 200, description: 'The account and its status now.', body: VerifyEmailResponse },
    errors: ['INVALID_VERIFICATION_TOKEN'],
  },
  ResendVerification: {
    summary: 'Send a new verification link (at most 3 an hour)',
    description: 'Older links stay valid until their own 24 hours run out.',
    success: { status: 202, description: 'The email is on its way.', body: ResendVerificationResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'TOO_MANY_REQUESTS'],
  },
  RequestPasswordReset: {
    summary: 'Email a password-reset link (single-use, 1 hour), if the email has an account',
    description: 'Always the same 202, so it reveals nothing; at most 3 emails an hour reach one account.',
    request: PasswordResetBody,
    success: { status: 202, description: 'If an account uses this email, a reset link is on its way.', body: PasswordResetAccepted },
  },
  ConfirmPasswordReset: {
    summary: 'Set a new password with the token from the reset email; every session of the account ends',
    request: PasswordResetConfirmBody,
    success: { status: 204, description: 'Password set; log in again.' },
    errors: ['INVALID_RESET_TOKEN'],
  },
  LogOut: {
    summary: 'End the session this refresh token belongs to',
    description: 'The same 204 whether or not the token was known, spent or already revoked.',
    request: LogOutBody,
    success: { status: 204, description: 'The session is over.' },
  },
  LogOutAll: {
    summary: 'End every session of the caller\'s account',
    success: { status: 204, description: 'Every session is over; access tokens already issued expire within 15 minutes.' },
  },
  CreateCheckoutSession: {
    summary: 'A Stripe Checkout page (setup mode) to add the card that keeps the plan after the trial',
    success: { status: 200, description: 'Where to send the browser.', body: BillingSessionResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'EMAIL_NOT_VERIFIED'],
  },
  CreatePortalSession: {
    summary: 'A Stripe customer portal page: card, invoices, cancellation',
    success: { status: 200, description: 'Where to send the browser.', body: BillingSessionResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'EMAIL_NOT_VERIFIED'],
  },
  ChangePlan: {
    summary: "Move the caller's account to another plan",
    description:
      'Stripe moves the subscription to the new price (prorated); its confirmation starts the resize (instance type ' +
      'and volume), shown as the `ResizeCustomer` workflow on the status route. Repeating a pending change answers the ' +
      'same 202 and starts nothing more.',
    request: ChangePlanBody,
    success: { status: 202, description: 'The change is pending.', body: PlanChangeResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'EMAIL_NOT_VERIFIED', 'PLAN_CHANGE_PENDING', 'PLAN_UNCHANGED', 'PLAN_IN_USE'],
  },
  ReceiveStripeWebhook: {
    summary: "Stripe's event deliveries",
    description: 'Each event is applied once; a redelivery is acknowledged with `duplicate: true`.',
    rawRequest: { body: StripeEvent, description: 'The Stripe event, verified byte for byte against `Stripe-Signature`.' },
    requestHeaders: { 'Stripe-Signature': "Stripe's HMAC signature over the raw body and timestamp." },
    success: { status: 200, description: 'Received.', body: WebhookReceipt },
    errors: ['INVALID_SIGNATURE', 'PAYLOAD_TOO_LARGE'],
  },
  RetryProvisioning: {
    summary: 'Operators: start a fresh provisioning attempt for a failed customer',
    description: 'Two operators retrying at once start one execution; the other gets 409.',
    success: { status: 202, description: 'The new attempt runs in the background.', body: RetryProvisioningResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE'],
  },
  ListCustomers: {
    summary: 'Operators: find customers by email or subdomain, or list them by status and plan',
    description:
      'Newest first, a page at a time: pass `nextCursor` back as `cursor` with the same filters. Without `status` the list walks ' +
      'every status in turn. A page is one Query of the CustomersByStatus index per status (never a Scan); a `plan` filter may return short pages.',
    query: ListCustomersQuery,
    success: { status: 200, description: 'A page of customers.', body: CustomerListResponse },
    errors: ['VALIDATION_FAILED'],
  },
  GetCustomer: {
    summary: 'Operators: one customer with status, steps, billing and every workflow execution',
    description: 'Failed, timed-out and aborted executions carry their failed state and cause, read from the execution history.',
    success: { status: 200, description: 'The customer.', body: CustomerDetailResponse },
    errors: ['NOT_FOUND'],
  },
  AdminSuspendCustomer: {
    summary: "Operators: suspend a customer (server stopped, data kept) until an operator resumes it",
    description: "Stripe's events do not resume an account an operator suspended. Repeating the request answers `changed: false`.",
    success: { status: 202, description: 'The suspend workflow runs (or already ran).', body: OperatorActionResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE'],
  },
  AdminResumeCustomer: {
    summary: 'Operators: resume a suspended customer and lift the hold',
    description: 'It does not override billing: if the subscription is still unpaid, Stripe\'s next event suspends the account again.',
    success: { status: 202, description: 'The resume workflow runs (or already ran).', body: OperatorActionResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE'],
  },
  ListCustomerBackups: {
    summary: "The customer's backups (AWS Backup recovery points of its data volume), newest first",
    description:
      'Pages of 20; `?cursor=` takes the previous page\'s `nextCursor` (a cursor this route did not give out answers 400 ' +
      '`VALIDATION_FAILED` on `cursor`). Empty while the customer has no server. Another customer\'s id answers 404, like an unknown one.',
    success: { status: 200, description: 'One page of recovery points.', body: CustomerBackupsResponse },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'EMAIL_NOT_VERIFIED'],
  },
  StartCustomerBackup: {
    summary: "Operators: back up a customer's data volume now",
    description:
      'One AWS Backup job per customer per minute: the same request again within the minute answers the same `backupJobId`. ' +
      'No body: any body (even `{}`) answers 400 `VALIDATION_FAILED` on `body`.',
    success: { status: 202, description: 'The backup job runs in AWS Backup.', body: StartBackupResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'VALIDATION_FAILED'],
  },
  GetMessagingChannels: {
    summary: "The account's SMS and WhatsApp numbers and live-chat widget key",
    description: 'Business and enterprise plans only (403 `PLAN_REQUIRED`); 409 `CHANNELS_NOT_READY` until the numbers are provisioned.',
    success: { status: 200, description: 'The channels.', body: MessagingChannelsResponse },
    errors: ['PLAN_REQUIRED', 'CHANNELS_NOT_READY', 'EMAIL_NOT_VERIFIED'],
  },
  ListConversations: {
    summary: 'The inbox: conversations by last activity, with unread counts',
    description:
      'Pages of 20, filtered by `status` and `channel`; `?cursor=` takes the previous page\'s `nextCursor` (with the same filters). ' +
      '`?contact=%2B15551234567` finds that contact\'s conversations (exact E.164 number, any channel), in one page.',
    query: ListConversationsQuery,
    success: { status: 200, description: 'One page of conversations.', body: ConversationListResponse },
    errors: ['PLAN_REQUIRED', 'VALIDATION_FAILED', 'EMAIL_NOT_VERIFIED'],
  },
  ListConversationMessages: {
    summary: "One conversation's messages, newest first; marks it read",
    description: 'Pages of 50 in provider-timestamp order; another customer\'s conversation id answers 404, like an unknown one.',
    query: ListMessagesQuery,
    success: { status: 200, description: 'One page of messages.', body: MessageListResponse },
    errors: ['PLAN_REQUIRED', 'NOT_FOUND', 'VALIDATION_FAILED', 'EMAIL_NOT_VERIFIED'],
  },
  SendConversationMessage: {
    summary: "Reply on the conversation's own channel (SMS or WhatsApp)",
    description:
      'Either `text` or, for a WhatsApp contact who last wrote over 24 hours ago, an approved `template` (free text then answers 409 ' +
      '`TEMPLATE_REQUIRED`). An `Idempotency-Key` header makes a retry answer the first message instead of sending again. ' +
      'A message the provider refuses comes back with status `failed`.',
    request: SendMessageBody,
    requestHeaders: { 'Idempotency-Key': 'Optional; up to 128 letters, digits and `_ . : -`: the same key again answers the same message.' },
    success: { status: 201, description: 'The message, as recorded and handed to the provider.', body: MessageResponse },
    errors: ['PLAN_REQUIRED', 'NOT_FOUND', 'TEMPLATE_REQUIRED', 'MESSAGING_SUSPENDED', 'CHANNELS_NOT_READY', 'EMAIL_NOT_VERIFIED'],
  },
  ResolveConversation: {
    summary: 'Resolve a conversation',
    description: 'Resolving one already resolved answers the same. A new message from the contact opens it again.',
    success: { status: 200, description: 'The conversation.', body: ConversationResponse },
    errors: ['PLAN_REQUIRED', 'NOT_FOUND', 'EMAIL_NOT_VERIFIED'],
  },
  ReopenConversation: {
    summary: 'Reopen a conversation',
    success: { status: 200, description: 'The conversation, open.', body: ConversationResponse },
    errors: ['PLAN_REQUIRED', 'NOT_FOUND', 'EMAIL_NOT_VERIFIED'],
  },
  UpdateConversation: {
    summary: 'Assign (or unassign with null) and label a conversation',
    request: UpdateConversationBody,
    success: { status: 200, description: 'The conversation.', body: ConversationResponse },
    errors: ['PLAN_REQUIRED', 'NOT_FOUND', 'EMAIL_NOT_VERIFIED'],
  },
  GetWidgetSettings: {
    summary: "The live-chat widget's key, script URL and origin allowlist",
    description: 'Business and enterprise plans only; 409 `CHANNELS_NOT_READY` until the widget key is provisioned with the account.',
    success: { status: 200, description: 'The widget.', body: WidgetSettingsResponse },
    errors: ['PLAN_REQUIRED', 'CHANNELS_NOT_READY', 'EMAIL_NOT_VERIFIED'],
  },
  UpdateWidgetSettings: {
    summary: 'Set the page origins the live-chat widget answers',
    description:
      'Replaces the list (at most 20; duplicates kept once). Each is an origin as browsers send it: `https://host[:port]`, http only for ' +
      'localhost, no path or trailing slash, no wildcard. Until one is set, the widget answers no page (403 `WIDGET_ORIGIN_NOT_ALLOWED`).',
    request: WidgetSettingsBody,
    success: { status: 200, description: 'The widget, with its new allowlist.', body: WidgetSettingsResponse },
    errors: ['PLAN_REQUIRED', 'CHANNELS_NOT_READY', 'EMAIL_NOT_VERIFIED'],
  },
  CreateWidgetVisitor: {
    summary: 'Widget: start (or resume) a visitor\'s chat',
    description:
      'No body. Without `Authorization`: 201 with a new visitor id and its visitor token (new visitors per key are rate-limited: 429 ' +
      '`WIDGET_RATE_LIMITED`). With a returning visitor\'s token: 200 with the same visitor and conversation and a fresh 30-day token; ' +
      'an invalid, expired or other widget\'s token answers 401 `VISITOR_TOKEN_INVALID` (start again without it). An unknown or released ' +
      'key answers 404; a page origin the business has not allowed 403 `WIDGET_ORIGIN_NOT_ALLOWED`; an account that takes no chat 403 `WIDGET_UNAVAILABLE`.',
    requestHeaders: { Origin: WIDGET_HEADERS.Origin, Authorization: 'Optional: `Bearer <visitorToken>` of a returning visitor.' },
    success: { status: 201, description: 'A new visitor (200: the returning one).', body: WidgetVisitorResponse },
    errors: [...WIDGET_ERRORS, 'WIDGET_RATE_LIMITED', 'VALIDATION_FAILED'],
  },
  SendWidgetMessage: {
    summary: 'Widget: the visitor writes',
    description:
      'Recorded in the visitor\'s own conversation (created or reopened; unread for staff) exactly once per `clientMessageId`: the same id ' +
      'again answers the first message. Each visitor may send 20 messages a minute (429 `WIDGET_RATE_LIMITED`).',
    request: WidgetMessageBody,
    requestHeaders: WIDGET_HEADERS,
    success: { status: 201, description: 'The message.', body: VisitorMessageResponse },
    errors: [...WIDGET_ERRORS, 'WIDGET_RATE_LIMITED'],
  },
  ListWidgetMessages: {
    summary: "Widget: the visitor's own conversation, newest first",
    description: 'Pages of 50; empty before the first message. Never another visitor\'s: the conversation comes from the token.',
    query: WidgetMessagesQuery,
    requestHeaders: WIDGET_HEADERS,
    success: { status: 200, description: 'One page of messages.', body: VisitorMessageListResponse },
    errors: [...WIDGET_ERRORS, 'VALIDATION_FAILED'],
  },
  GetWidgetScript: {
    summary: 'Widget: the script (JavaScript) for one script tag',
    description:
      '`<script src=".../widget/{publicKey}/widget.js" async></script>` on the business\'s page. Answers `text/javascript` (cached 5 minutes); ' +
      'an unknown or released key answers 404.',
    success: { status: 200, description: 'The script (text/javascript, not JSON).' },
    errors: ['NOT_FOUND'],
  },
  GetMessagingAnalytics: {
    summary: 'Messaging analytics per UTC day and channel: messages, conversations opened and resolved, first-response and resolution times',
    description:
      '`from` and `to` are UTC days, both included, at most 366 days; `channel` narrows to one. Kept up to date from the messaging ' +
      'table\'s stream (seconds behind). Median and p90 come from log-scale histograms: within 4.4% (or 1 s).',
    query: AnalyticsQuery,
    success: { status: 200, description: 'Rows of days with activity, and the totals.', body: AnalyticsResponse },
    errors: ['PLAN_REQUIRED', 'VALIDATION_FAILED', 'EMAIL_NOT_VERIFIED'],
  },
  ExportMessagingAnalytics: {
    summary: 'The same analytics rows as a CSV download',
    description: 'The query of `GET /messaging/analytics`; `Content-Disposition` names the file. Errors are JSON like everywhere else.',
    query: AnalyticsQuery,
    success: {
      status: 200,
      description: 'RFC 4180 CSV, a header row first.',
      body: AnalyticsCsvResponse,
      mediaType: 'text/csv',
      headers: { 'Content-Disposition': '`attachment; filename="messaging-analytics-<from>-to-<to>[-<channel>].csv"`' },
    },
    errors: ['PLAN_REQUIRED', 'VALIDATION_FAILED', 'EMAIL_NOT_VERIFIED'],
  },
  AdminChangePlan: {
    summary: 'Operators: move a customer to another plan (the resize follows)',
    description:
      "The customer's own plan change (`POST /billing/plan`) made by an operator: Stripe moves the subscription to the new " +
      'price (prorated) and its confirmation starts the `ResizeCustomer` workflow (stop, change type, start, DNS, apps check). ' +
      'A downgrade below what the account uses answers 409 `PLAN_IN_USE` with `details`; repeating a pending change answers the same 202. ' +
      'If the resize fails, the server and the price go back to the previous plan and the reason shows as `planChangeFailure`.',
    request: ChangePlanBody,
    success: { status: 202, description: 'The change is pending.', body: PlanChangeResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'PLAN_CHANGE_PENDING', 'PLAN_UNCHANGED', 'PLAN_IN_USE'],
  },
  AdminRestoreCustomer: {
    summary: 'Operators: restore a customer from one of its recovery points (the RestoreCustomer workflow)',
    description:
      'The server is brought back from the point onto a new volume; the previous volume is kept until the restored server passes its ' +
      'check, then deleted, and put back if it fails. Another customer\'s point answers 404 like an unknown one; a point not COMPLETED ' +
      'or a customer not active answers 409 `INVALID_STATE`; another workflow running on the customer 409 `WORKFLOW_RUNNING`. ' +
      'The same request again while it runs answers the same `executionName` with `changed: false`.',
    request: RestoreCustomerBody,
    success: { status: 202, description: 'The restore workflow runs (or already ran).', body: RestoreCustomerResponse },
    errors: ['NOT_FOUND', 'INVALID_STATE', 'WORKFLOW_RUNNING', 'VALIDATION_FAILED', 'INVALID_JSON'],
  },
  StartFleetUpdate: {
    summary: 'Operators: roll app version N to all active customers, one plan or a list, in waves',
    description:
      'Starts the FleetUpdate workflow: at most `maxConcurrent` customers at once; once more than `maxFailures` have failed, every customer ' +
      'not started yet is skipped. A customer whose apps fail their health check is put back on its previous version. The same body again ' +
      '(even 50 at once) is the same update: one record, one execution, `created: false`. Suspended, cancelled and mid-workflow customers are never touched.',
    request: StartFleetUpdateBody,
    success: {
      status: 202,
      description: 'The update runs in the background; follow it with GET /admin/fleet-updates/{updateId}.',
      body: FleetUpdateResponse,
      headers: { Location: 'The update\'s URL.' },
    },
    errors: ['VALIDATION_FAILED'],
  },
  GetFleetUpdate: {
    summary: 'Operators: progress and per-customer report of a fleet update',
    description: 'Each customer with its from and to version, result (pending, updating, rolling_back, updated, failed, skipped), reason and duration.',
    success: { status: 200, description: 'The update and its report.', body: FleetUpdateResponse },
    errors: ['NOT_FOUND'],
  },
};
