import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BACKUP_RETENTION_DAYS } from '../lambdas/core/backups';
import { PLAN_NAMES, type PlanName } from '../lambdas/core/plans';
import { MANAGED_BY_TAG } from './customer-instances';

/** When the daily backups run. */
export interface CustomerBackupsProps {
  /**
   * The daily backup window's start, UTC hour (customers are quietest at night in their own time zone; one
   * hour for all keeps it simple until a customer asks otherwise).
   * @default 3
   */
  readonly dailyHourUtc?: number;
}

/**
 * Daily AWS Backup of every customer's data volume into one encrypted vault: one backup plan per StackPro
 * plan, each selecting the EBS volumes tagged `ManagedBy=stackpro` and `Plan=<plan>` (Launch instance tags
 * volumes on creation) and keeping the recovery points `BACKUP_RETENTION_DAYS[plan]` days. Selection is by
 * tag, so a customer launched tomorrow is backed up without a deploy. `backupRole` is the role AWS Backup
 * assumes; the "back up now" route passes it to StartBackupJob (and may pass nothing else).
 */
export class CustomerBackups extends Construct {
  readonly vault: backup.BackupVault;
  /** Assumed by AWS Backup for the scheduled and on-demand jobs. */
  readonly backupRole: iam.Role;
  readonly plans: Readonly<Record<PlanName, backup.BackupPlan>>;

  constructor(scope: Construct, id: string, props: CustomerBackupsProps = {}) {
    super(scope, id);

    const key = new kms.Key(this, 'VaultKey', {
      description: 'Encrypts the StackPro customer backup vault',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vault = new backup.BackupVault(this, 'Vault', {
      encryptionKey: key,
      // Recovery points are customer data: a stack deletion must never take them along.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.backupRole = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: snapshots StackPro customer volumes into the customer vault',
    });
    // The EBS part of AWSBackupServiceRolePolicyForBackup, inline: snapshot only our tagged volumes.
    const stack = Stack.of(this);
    const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateSnapshot'],
        resources: [ec2Arn('volume')],
        conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value } },
      }),
    );
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateSnapshot', 'ec2:CreateTags', 'ec2:DeleteSnapshot'],
        resources: [stack.formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' })],
      }),
    );
    // Restores (the RestoreCustomer workflow): a new volume from a recovery point, carrying the source's
    // tags (CopySourceTagsToRestoredResource), so only a ManagedBy=stackpro volume can be made.
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateVolume'],
        resources: [ec2Arn('volume')],
        conditions: { StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value } },
      }),
    );
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateVolume'],
        resources: [stack.formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' })],
      }),
    );
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn('volume')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateVolume' } },
      }),
    );
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots', 'ec2:DescribeTags', 'tag:GetResources'],
        resources: ['*'],
      }),
    );
    this.backupRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['backup:DescribeBackupVault', 'backup:CopyIntoBackupVault'], resources: [this.vault.backupVaultArn] }),
    );
    Validations.of(this.backupRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The Describe* and tag:GetResources calls AWS Backup makes while selecting volumes have no resource-level permissions.',
    });
    Validations.of(this.backupRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
      reason:
        'Snapshots any volume, but only one tagged ManagedBy=stackpro (aws:ResourceTag condition); restores create volumes only with the request tag ManagedBy=stackpro, and tag them only while creating them. Volume ids are made at run time.',
    });
    Validations.of(this.backupRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
      reason: 'Recovery points are snapshots AWS Backup creates, expires and restores from by the plan lifecycle; their ids are not known in advance.',
    });

    const plans: Partial<Record<PlanName, backup.BackupPlan>> = {};
    for (const plan of PLAN_NAMES) {
      const planId = plan[0]!.toUpperCase() + plan.slice(1);
      const backupPlan = new backup.BackupPlan(this, `${planId}Plan`, {
        backupVault: this.vault,
        backupPlanRules: [
          new backup.BackupPlanRule({
            ruleName: `Daily${planId}`,
            scheduleExpression: events.Schedule.cron({ minute: '0', hour: String(props.dailyHourUtc ?? 3) }),
            startWindow: Duration.hours(1),
            completionWindow: Duration.hours(8),
            deleteAfter: Duration.days(BACKUP_RETENTION_DAYS[plan]),
          }),
        ],
      });
      const selection = backupPlan.addSelection(`${planId}Volumes`, {
        role: this.backupRole,
        // Every EBS volume, narrowed by the two tags below (Resources and Conditions are ANDed; ListOfTags would OR).
        resources: [backup.BackupResource.fromArn('arn:aws:ec2:*:*:volume/*')],
        allowRestores: false,
        // The inline statements above instead of AWS's managed policy (which may snapshot any volume).
        disableDefaultBackupPolicy: true,
      });
      (selection.node.defaultChild as backup.CfnBackupSelection).addPropertyOverride('BackupSelection.Conditions', {
        StringEquals: [
          { ConditionKey: `aws:ResourceTag/${MANAGED_BY_TAG.key}`, ConditionValue: MANAGED_BY_TAG.value },
          { ConditionKey: 'aws:ResourceTag/Plan', ConditionValue: plan },
        ],
      });
      plans[plan] = backupPlan;
    }
    this.plans = plans as Record<PlanName, backup.BackupPlan>;
  }
}
