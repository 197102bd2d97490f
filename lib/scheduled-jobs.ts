import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metric-names';
import { TABLE_DESIGN } from '../lambdas/repositories/table-design';
import { SCHEDULED_JOBS, type ScheduledJob, type ScheduledJobAccess } from '../lambdas/scheduled/jobs';
import { MANAGED_BY_TAG } from './customer-instances';
import { businessMetric, notifyingAlarm } from './provisioning-alarms';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';
import { grantStripeKeys } from './function-access';
import type { StripeKeys } from './stripe-keys';

export interface ScheduledJobsProps {
  /** The customer table the jobs work on. */
  readonly table: dynamodb.ITable;
  readonly stripeKeys: StripeKeys;
  /** DeprovisionCustomer: the only state machine the lapse sweep may start. */
  readonly deprovision: sfn.IStateMachine;
  /** ProvisionCustomer: the usage job counts its running executions (ListExecutions only). */
  readonly provisioning: sfn.IStateMachine;
  /** Where each job's failure alarm goes. */
  readonly topic: sns.ITopic;
  readonly settings: Pick<StackProSettings, 'billingRetentionDays' | 'finalSnapshotRetentionDays' | 'customerDomain'>;
  /**
   * The jobs; tests may pass fewer.
   * @default SCHEDULED_JOBS
   */
  readonly jobs?: readonly ScheduledJob[];
}

/**
 * One Lambda, one EventBridge schedule and one failure alarm per job of lambdas/scheduled/jobs.ts (the local
 * stack runs the same table with local/scheduler.ts). Each function gets only what its job declares.
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
      const environment: Record<string, string> = {};
      const fn = new StackProFunction(this, job.id, {
        handler: job.handler,
        description: job.description,
        timeout: Duration.minutes(5),
      });
      for (const access of job.access) Object.assign(environment, grantJobAccess(access, fn, props));
      for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
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

/** Adds what one access needs to the job's role; returns the environment it needs. */
function grantJobAccess(access: ScheduledJobAccess, fn: StackProFunction, props: ScheduledJobsProps): Record<string, string> {
  const { table } = props;
  switch (access) {
    case 'abandoned-signups:remove': {
      const index = TABLE_DESIGN.pendingVerificationIndex.indexName;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [Stack.of(fn).formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${table.tableName}/index/${index}` })],
        }),
      );
      // Reads profiles, email and subdomain items; deletes them (and tokens) in one conditional transaction.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'], resources: [table.tableArn] }),
      );
      return { TABLE_NAME: table.tableName };
    }
    case 'billing-lapses:deprovision': {
      // Query the BILLINGLAPSE partition and read profiles; update profiles (billing snapshot, sweep mark); delete markers.
      // The base table only (table.grant would add index/*): the sweep Queries its marker partition by key.
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resourceArns: [table.tableArn],
      });
      grantStripeKeys(fn, props.stripeKeys);
      props.deprovision.grantStartExecution(fn);
      return {
        TABLE_NAME: table.tableName,
        DEPROVISION_STATE_MACHINE_ARN: props.deprovision.stateMachineArn,
        BILLING_RETENTION_DAYS: String(props.settings.billingRetentionDays),
      };
    }
    case 'final-snapshots:delete': {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeSnapshots'], resources: ['*'] }));
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ec2:DeleteSnapshot'],
          resources: [Stack.of(fn).formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' })],
          // Only the final backups the deprovision workflow tagged, never another snapshot in the account.
          conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value, 'aws:ResourceTag/Purpose': 'final-backup' } },
        }),
      );
      Validations.of(fn.role!).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'ec2:DescribeSnapshots has no resource-level permissions (read-only; it finds final backups by tag).',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
          reason: 'Final backup ids are made by each deprovisioning; DeleteSnapshot only on snapshots tagged ManagedBy=stackpro and Purpose=final-backup (conditions).',
        },
      );
      return { FINAL_SNAPSHOT_RETENTION_DAYS: String(props.settings.finalSnapshotRetentionDays) };
    }
    case 'email-verifications:check': {
      // Query the EMAILVERIFY partition; set services.email on infrastructure items (conditional); delete markers.
      iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resourceArns: [table.tableArn] });
      const customerDomain = props.settings.customerDomain;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:GetEmailIdentity'],
          resources: [Stack.of(fn).formatArn({ service: 'ses', resource: 'identity', resourceName: `*.${customerDomain}` })],
        }),
      );
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*.${customerDomain}]`,
        reason: 'Each customer gets its own subdomain identity, made at provisioning time; the sweep may only read identities under the customer domain.',
      });
      return { TABLE_NAME: table.tableName };
    }
    case 'usage:collect': {
      // Profiles by key (BatchGetItem) and the customer's USAGE item (PutItem); nothing else in the table.
      iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], resourceArns: [table.tableArn] });
      // Read-only calls without resource-level permissions.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'cloudwatch:GetMetricData'], resources: ['*'] }),
      );
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [props.provisioning.stateMachineArn] }));
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ec2:DescribeInstances, ec2:DescribeSnapshots and cloudwatch:GetMetricData have no resource-level permissions (read-only; the job ' +
          'finds customer servers and snapshots by their ManagedBy tag and reads their metrics).',
      });
      return { TABLE_NAME: table.tableName, PROVISIONING_STATE_MACHINE_ARN: props.provisioning.stateMachineArn };
    }
    default: {
      const unknown: never = access;
      throw new Error(`Unknown scheduled job access ${String(unknown)}`);
    }
  }
}
