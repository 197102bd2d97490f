import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metric-names';
import { SCHEDULED_JOBS, type ScheduledJob, type ScheduledJobAccess } from '../lambdas/scheduled/jobs';
import { grantFunctionAccess, type AccessTargets } from './function-access';
import { businessMetric, notifyingAlarm } from './provisioning-alarms';
import { StackProFunction } from './stackpro-function';

/**
 * What the jobs' access lists are granted on (lib/function-access.ts, as for routes and steps): the table,
 * the Stripe keys, DeprovisionCustomer (the only workflow the lapse sweep may start, from `lifecycle`),
 * ProvisionCustomer (whose executions the usage job counts) and the retention settings.
 */
export interface ScheduledJobsProps extends AccessTargets {
  /** Where each job's failure alarm goes. */
  readonly topic: sns.ITopic;
  /**
   * The jobs; tests may pass fewer.
   * @default SCHEDULED_JOBS
   */
  readonly jobs?: readonly ScheduledJob[];
}

/**
 * One Lambda, one EventBridge schedule and one failure alarm per job of lambdas/scheduled/jobs.ts (the local
 * stack runs the same table with local/scheduler.ts). Each function gets only what its job declares, through
 * the one access model of routes and steps (lib/function-access.ts).
 * Construct ids are the job ids (the billing sweeps were under `BillingSweeps/` before; nothing was deployed).
 */
export class ScheduledJobs extends Construct {
  /** Job functions, keyed by job id. */
  readonly functions: Readonly<Record<string, StackProFunction>>;
  /** `<JobId>ErrorsAlarm` per job, and the alarm on items a billing sweep could not finish. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ScheduledJobsProps) {
    super(scope, id);
    const functions: Record<string, StackProFunction> = {};
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const jobs = props.jobs ?? SCHEDULED_JOBS;
    for (const job of jobs) {
      const fn = new StackProFunction(this, job.id, {
        handler: job.handler,
        description: job.description,
        timeout: Duration.minutes(5),
      });
      grantFunctionAccess(fn, job.id, job.access, props);
      // Every job is idempotent, so EventBridge's retries (and a late or repeated run) are safe.
      new events.Rule(this, `${job.id}Schedule`, {
        description: job.dailyAtUtc ? `Runs ${job.id} once a day` : `Runs ${job.id} every ${job.everyMinutes} minutes`,
        schedule: job.dailyAtUtc
          ? events.Schedule.cron({ minute: String(job.dailyAtUtc.minute), hour: String(job.dailyAtUtc.hour) })
          : events.Schedule.rate(Duration.minutes(job.everyMinutes)),
        targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
      const alarmId = `${job.id}ErrorsAlarm`;
      alarms[alarmId] = notifyingAlarm(this, alarmId, props.topic, fn.metricErrors({ period: Duration.minutes(5) }), job.onFailure);
      functions[job.id] = fn;
    }
    // The billing sweeps count the accounts and snapshots they could not finish (the run itself succeeds).
    if (jobs.some((job) => job.access.some((access) => BILLING_SWEEP_ACCESS.includes(access)))) {
      alarms.BillingSweepErrorsAlarm = notifyingAlarm(
        this,
        'BillingSweepErrorsAlarm',
        props.topic,
        businessMetric(METRICS.billingSweepErrors),
        'A billing sweep could not deprovision a lapsed account or delete an expired final backup; it retries daily. Read the sweep logs.',
      );
    }
    this.functions = functions;
    this.alarms = alarms;
  }
}

const BILLING_SWEEP_ACCESS: readonly ScheduledJobAccess[] = ['billing-lapses:deprovision', 'final-snapshots:delete'];
