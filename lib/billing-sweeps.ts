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
import { MANAGED_BY_TAG } from './customer-instances';
import { businessMetric, notifyingAlarm } from './provisioning-alarms';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';
import { grantStripeKeys } from './step-access';
import type { StripeKeys } from './stripe-keys';

/** What the sweeps read, write and start, and where their alarms go. */
export interface BillingSweepsProps {
  readonly table: dynamodb.ITable;
  readonly stripeKeys: StripeKeys;
  /** DeprovisionCustomer: the only state machine the lapse sweep may start. */
  readonly deprovision: sfn.IStateMachine;
  readonly topic: sns.ITopic;
  readonly settings: Pick<StackProSettings, 'billingRetentionDays' | 'finalSnapshotRetentionDays'>;
}

/**
 * The two daily billing sweeps, each an EventBridge schedule invoking one Lambda:
 * - SweepLapsedAccounts: accounts suspended for billing (paused or unpaid) longer than
 *   `stackpro:billingRetentionDays` are cancelled in Stripe and deprovisioned with a final snapshot. It
 *   finds them with a Query on the time-sorted `BILLINGLAPSE` partition (no Scan anywhere).
 * - DeleteExpiredSnapshots: final backups older than `stackpro:finalSnapshotRetentionDays` are deleted. A
 *   sweep rather than Data Lifecycle Manager: DLM only expires snapshots its own policies created, and ours
 *   are taken by the deprovision workflow.
 * Each function can do only that (IAM below); errors and failed items alarm on the shared topic.
 */
export class BillingSweeps extends Construct {
  readonly lapsedAccounts: StackProFunction;
  readonly expiredSnapshots: StackProFunction;
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: BillingSweepsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.lapsedAccounts = new StackProFunction(this, 'SweepLapsedAccounts', {
      handler: 'billing/sweep-lapsed-accounts',
      description: 'Daily: deprovisions accounts suspended for billing longer than the retention period',
      timeout: Duration.minutes(5),
      environment: {
        TABLE_NAME: props.table.tableName,
        DEPROVISION_STATE_MACHINE_ARN: props.deprovision.stateMachineArn,
        BILLING_RETENTION_DAYS: String(props.settings.billingRetentionDays),
      },
    });
    // Query the BILLINGLAPSE partition and read profiles; update profiles (billing snapshot, sweep mark); delete markers.
    // The base table only (table.grant would add index/*): the sweep Queries its marker partition by key.
    iam.Grant.addToPrincipal({
      grantee: this.lapsedAccounts,
      actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resourceArns: [props.table.tableArn],
    });
    grantStripeKeys(this.lapsedAccounts, props.stripeKeys);
    props.deprovision.grantStartExecution(this.lapsedAccounts);

    this.expiredSnapshots = new StackProFunction(this, 'DeleteExpiredSnapshots', {
      handler: 'billing/delete-expired-snapshots',
      description: 'Daily: deletes final backup snapshots older than their retention',
      timeout: Duration.minutes(5),
      environment: { FINAL_SNAPSHOT_RETENTION_DAYS: String(props.settings.finalSnapshotRetentionDays) },
    });
    this.expiredSnapshots.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeSnapshots'], resources: ['*'] }));
    this.expiredSnapshots.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DeleteSnapshot'],
        resources: [stack.formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' })],
        // Only the final backups the deprovision workflow tagged, never another snapshot in the account.
        conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value, 'aws:ResourceTag/Purpose': 'final-backup' } },
      }),
    );
    Validations.of(this.expiredSnapshots.role!).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ec2:DescribeSnapshots has no resource-level permissions (read-only; it finds final backups by tag).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
        reason: 'Final backup ids are made by each deprovisioning; DeleteSnapshot only on snapshots tagged ManagedBy=stackpro and Purpose=final-backup (conditions).',
      },
    );

    // Daily, at quiet hours; both are idempotent, so EventBridge's retries (and a late or repeated run) are safe.
    new events.Rule(this, 'LapsedAccountsSchedule', {
      description: 'Runs SweepLapsedAccounts once a day',
      schedule: events.Schedule.cron({ minute: '15', hour: '3' }),
      targets: [new targets.LambdaFunction(this.lapsedAccounts, { retryAttempts: 2 })],
    });
    new events.Rule(this, 'ExpiredSnapshotsSchedule', {
      description: 'Runs DeleteExpiredSnapshots once a day',
      schedule: events.Schedule.cron({ minute: '45', hour: '3' }),
      targets: [new targets.LambdaFunction(this.expiredSnapshots, { retryAttempts: 2 })],
    });

    const period = Duration.minutes(5);
    this.alarms = {
      BillingSweepErrorsAlarm: notifyingAlarm(
        this,
        'BillingSweepErrorsAlarm',
        props.topic,
        businessMetric(METRICS.billingSweepErrors),
        'A billing sweep could not deprovision a lapsed account or delete an expired final backup; it retries daily. Read the sweep logs.',
      ),
      SweepLapsedAccountsErrorsAlarm: notifyingAlarm(
        this,
        'SweepLapsedAccountsErrorsAlarm',
        props.topic,
        this.lapsedAccounts.metricErrors({ period }),
        'SweepLapsedAccounts failed as a whole: lapsed accounts keep running (and costing) until it succeeds.',
      ),
      DeleteExpiredSnapshotsErrorsAlarm: notifyingAlarm(
        this,
        'DeleteExpiredSnapshotsErrorsAlarm',
        props.topic,
        this.expiredSnapshots.metricErrors({ period }),
        'DeleteExpiredSnapshots failed as a whole: expired final backups are kept (and cost) until it succeeds.',
      ),
    };
  }
}
