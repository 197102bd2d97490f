/**
 * Scheduled jobs: the one source of truth for the CDK stack (an EventBridge schedule and a Lambda per job)
 * and the local stack's scheduler (local/scheduler.ts), so the two run the same handlers on the same rate.
 */
export type ScheduledJobAccess =
  /** Query the sparse PendingVerification index; GetItem; delete items in transactions. */
  'abandoned-signups:remove';

export interface ScheduledJob {
  /** Stable PascalCase id: the CDK construct id of the job's function and rule (never rename it). */
  readonly id: string;
  /** Path under `lambdas/` without extension; that module exports `handler(event: ScheduledEvent)`. */
  readonly handler: string;
  readonly description: string;
  /** How often it runs. */
  readonly everyMinutes: number;
  readonly access: readonly ScheduledJobAccess[];
}

export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  {
    id: 'RemoveAbandonedSignups',
    handler: 'scheduled/remove-abandoned-signups',
    description: 'Removes accounts whose email was not verified within 7 days',
    everyMinutes: 60,
    access: ['abandoned-signups:remove'],
  },
];

/** The part of EventBridge's scheduled event our handlers read: the scheduled time. */
export interface ScheduledEvent {
  /** ISO-8601: the time the run is for (EventBridge sets it; the local scheduler and tests may choose it). */
  readonly time: string;
}
