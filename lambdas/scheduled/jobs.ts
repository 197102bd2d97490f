/**
 * Scheduled jobs: the one source of truth for the CDK stack (per job an EventBridge schedule, a Lambda with its grants, and a failure alarm)
 * and the local stack's scheduler (local/scheduler.ts), so the two run the same handlers on the same rate.
 */
export type ScheduledJobAccess =
  /** Query the sparse PendingVerification index; GetItem; delete items in transactions. */
  | 'abandoned-signups:remove'
  /** Query the BILLINGLAPSE partition, read and update profiles, delete markers; Stripe keys; start DeprovisionCustomer only. */
  | 'billing-lapses:deprovision'
  /** Describe snapshots; delete only final backups tagged by the deprovision workflow. */
  | 'final-snapshots:delete'
  /** Query the EMAILVERIFY partition, update infrastructure items, delete markers; GetEmailIdentity on customer identities. */
  | 'email-verifications:check'
  /**
   * Describe instances and snapshots; GetMetricData; BatchGetItem profiles and PutItem usage items; ListExecutions
   * of ProvisionCustomer; the dashboard's gauges go out as embedded metrics (no permission).
   */
  | 'usage:collect'
  /** Query the HISTORY_EXPIRY markers and customers' conversations, delete their items (messaging table); read profiles. */
  | 'messaging-history:expire';

export interface ScheduledJob {
  /** Stable PascalCase id: the CDK construct id of the job's function and rule (never rename it). */
  readonly id: string;
  /** Path under `lambdas/` without extension; that module exports `handler(event: ScheduledEvent)`. */
  readonly handler: string;
  readonly description: string;
  /** How often it runs (the local scheduler's rate; in AWS too unless `dailyAtUtc` pins the time of day). */
  readonly everyMinutes: number;
  /** In AWS, once a day at this UTC time (a cron rule) instead of a rate; `everyMinutes` must then be 1440. */
  readonly dailyAtUtc?: { readonly hour: number; readonly minute: number };
  readonly access: readonly ScheduledJobAccess[];
  /** The description of the alarm raised when a run fails as a whole (what it costs and what to do). */
  readonly onFailure: string;
}

export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  {
    id: 'RemoveAbandonedSignups',
    handler: 'scheduled/remove-abandoned-signups',
    description: 'Removes accounts whose email was not verified within 7 days',
    everyMinutes: 60,
    access: ['abandoned-signups:remove'],
    onFailure: 'RemoveAbandonedSignups failed as a whole: unverified signups keep their email and subdomain reserved until it succeeds.',
  },
  {
    // Was BillingSweeps/SweepLapsedAccounts (lib/billing-sweeps.ts) before the one jobs table.
    id: 'SweepLapsedAccounts',
    handler: 'billing/sweep-lapsed-accounts',
    description: 'Daily: deprovisions accounts suspended for billing longer than the retention period',
    everyMinutes: 24 * 60,
    dailyAtUtc: { hour: 3, minute: 15 },
    access: ['billing-lapses:deprovision'],
    onFailure: 'SweepLapsedAccounts failed as a whole: lapsed accounts keep running (and costing) until it succeeds.',
  },
  {
    id: 'DeleteExpiredSnapshots',
    handler: 'billing/delete-expired-snapshots',
    description: 'Daily: deletes final backup snapshots older than their retention',
    everyMinutes: 24 * 60,
    dailyAtUtc: { hour: 3, minute: 45 },
    access: ['final-snapshots:delete'],
    onFailure: 'DeleteExpiredSnapshots failed as a whole: expired final backups are kept (and cost) until it succeeds.',
  },
  {
    // The DKIM sweep: one run for all pending customers replaces a wait loop in every provisioning execution.
    id: 'VerifyEmailDomains',
    handler: 'scheduled/verify-email-domains',
    description: 'Marks customer email running once SES has verified its DKIM; gives up after 72 hours',
    everyMinutes: 5,
    access: ['email-verifications:check'],
    onFailure: 'VerifyEmailDomains failed as a whole: customers whose email domain was verified still show email pending_verification until it succeeds.',
  },
  {
    // One run for the whole fleet: GetMetricData in calls of 500 queries, one usage item per customer.
    id: 'CollectUsage',
    handler: 'scheduled/collect-usage',
    description: "Measures every customer's disk used, data transferred out this month and backups kept",
    everyMinutes: 15,
    access: ['usage:collect'],
    onFailure: 'CollectUsage failed as a whole: the status pages show usage from the last run that succeeded (see measuredAt), and the dashboard gauges stop.',
  },
];

/**
 * Jobs of the messaging nested stack (lib/messaging-operations.ts builds them there; the main stack's
 * ScheduledJobs builds SCHEDULED_JOBS). The local scheduler runs both lists.
 */
export const MESSAGING_JOBS: readonly ScheduledJob[] = [
  {
    id: 'ExpireMessagingHistory',
    handler: 'messaging/expire-messaging-history',
    description: 'Daily: deletes the messaging history of customers whose channels were released longer ago than the retention',
    everyMinutes: 24 * 60,
    dailyAtUtc: { hour: 4, minute: 15 },
    access: ['messaging-history:expire'],
    onFailure: 'ExpireMessagingHistory failed as a whole: released customers keep their messaging history past the retention until it succeeds (their markers stay).',
  },
];

/** The part of EventBridge's scheduled event our handlers read: the scheduled time. */
export interface ScheduledEvent {
  /** ISO-8601: the time the run is for (EventBridge sets it; the local scheduler and tests may choose it). */
  readonly time: string;
}
