import * as z from 'zod';
import { ChangePlanBody, ListCustomersQuery, RestoreCustomerBody, LogInBody, LogOutBody, PasswordResetBody, PasswordResetConfirmBody, RefreshBody, SignUpBody, VerifyEmailBody } from '../schemas';
import type { RouteContract } from './route-contract';
import { StartFleetUpdateBody } from '../fleet-schemas';
import { FleetUpdateResponse } from './fleet-responses';
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
} from './responses';

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
