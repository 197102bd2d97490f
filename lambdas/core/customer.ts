import type { BillingSnapshot } from './billing';
import type { PlanName } from './plans';

/**
 * The account lifecycle. Signup leaves the account `pending_verification` (nothing provisioned, no trial)
 * until the email is verified, which moves it to `provisioning`. Provisioning leads to `active` or `failed`; billing drives the rest: `past_due`
 * (service stays up), `suspending` -> `suspended` (instance stopped, data kept), `resuming` -> `active`,
 * and `cancelled` once deprovisioned after the retention period. See README "Billing lifecycle".
 */
export type CustomerStatus =
  | 'pending_verification'
  | 'provisioning'
  /** Provisioning, but EC2 cannot give us the server yet: the workflow retries for up to the capacity wait. */
  | 'waiting_for_capacity'
  | 'active'
  | 'failed'
  | 'past_due'
  | 'suspending'
  | 'suspended'
  | 'resuming'
  | 'cancelled';

/** Every status, in the order the operators' list walks them (the CustomersByStatus index has one partition each). */
export const CUSTOMER_STATUSES = [
  'pending_verification',
  'provisioning',
  'active',
  'failed',
  'past_due',
  'suspending',
  'suspended',
  'resuming',
  'cancelled',
] as const satisfies readonly CustomerStatus[];

export interface Customer {
  readonly customerId: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string;
  readonly plan: PlanName;
  readonly status: CustomerStatus;
  /** `<slug>.<customer domain>`: unique, DNS-safe, made from the company name. */
  readonly subdomain: string;
  readonly createdAt: string;
  /** Set when the email is verified (the trial starts then); absent while `pending_verification`. */
  readonly trialEndsAt?: string;
  /** When the email was verified. */
  readonly verifiedAt?: string;
  /**
   * Epoch ms after which an unverified account is abandoned: its email and subdomain are free again and
   * the clean-up removes it. Only on `pending_verification` accounts (the sparse PendingVerification index).
   */
  readonly pendingExpiresAt?: number;
  /** Epoch ms of the verification emails re-sent in the last hour (the resend limit). */
  readonly verificationResentAt?: readonly number[];
  /** Bumped by each resend: the compare-and-set that keeps concurrent resends within the limit. */
  readonly verificationVersion?: number;
  /** Live verification tokens (hash and expiry, epoch ms), removed with an abandoned account. */
  readonly verificationTokens?: readonly { readonly hash: string; readonly expiresAt: number }[];
  /** The signup's session, removed with an abandoned account. */
  readonly signupSessionFamilyId?: string;
  readonly signupRefreshTokenHash?: string;
  /** Set once the signup's provisioning execution was started after verification. */
  readonly provisioningStartedAt?: string;
  /** Name of the provisioning execution in charge, so support can find it in the console. */
  readonly provisioningExecutionName: string;
  /** 1 for the signup's execution; an operator's retry adds one. */
  readonly provisioningAttempt?: number;
  /** Why provisioning failed, readable by the customer and support. */
  readonly failureReason?: string;
  readonly welcomeEmailSentAt?: string;
  /** Stripe's view of the subscription, as last observed (see repositories/billing.ts). */
  readonly billing?: BillingSnapshot;
  /** Set by an operator's suspend (repositories/operator-holds.ts): Stripe's events do not resume the account. */
  readonly operatorHold?: { readonly at: string; readonly by: string };
  /** The plan a change (POST /billing/plan) is moving to: set until its resize has finished or failed. */
  readonly pendingPlan?: PlanName;
  /** The plan change in charge while `pendingPlan` is set; the last one's outcome after. */
  readonly planChange?: PlanChange;
  /** The app version its server runs (lambdas/core/app-versions.json), set at deploy and by fleet updates. */
  readonly appVersion?: string;
  readonly appVersionAt?: string;
}

/** One plan change: its id names the Stripe idempotency key and the resize execution. */
export interface PlanChange {
  readonly changeId: string;
  readonly from: PlanName;
  readonly to: PlanName;
  readonly requestedAt: string;
  /** When Stripe accepted the new price; a claim without it after a while was interrupted before Stripe. */
  readonly sentAt?: string;
  /** Set when the resize failed: why, readable by the customer and support (the old type was put back). */
  readonly failure?: string;
  readonly completedAt?: string;
}

/** Normalises an email for uniqueness and login: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The provisioning execution's name: readable in the console (company slug first) and unique (customer
 * id). Step Functions allows 80 characters of [A-Za-z0-9-_]; a retry adds `-attempt-N`.
 */
export function provisioningExecutionName(slug: string, customerId: string, attempt = 1): string {
  const suffix = attempt > 1 ? `-attempt-${attempt}` : '';
  const room = 80 - customerId.length - suffix.length - 1;
  const head = slug.slice(0, room).replace(/-+$/, '');
  return `${head}-${customerId}${suffix}`;
}
