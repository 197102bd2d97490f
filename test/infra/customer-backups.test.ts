import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BACKUP_RETENTION_DAYS } from '../../lambdas/core/backups';
import { PLAN_NAMES } from '../../lambdas/core/plans';
import { CustomerBackups } from '../../lib/customer-backups';
import { applyNagChecks } from '../../lib/nag';

// A small stack of its own: a few hundred milliseconds, and cdk-nag checks exactly this construct.
let template: Template;

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Backups');
  new CustomerBackups(stack, 'CustomerBackups');
  applyNagChecks(app);
  // Synthesizing runs cdk-nag: an unacknowledged finding throws here.
  template = Template.fromStack(stack);
});

describe('CustomerBackups', () => {
  it('keeps recovery points in one vault encrypted with a rotated customer key, retained on stack deletion', () => {
    template.resourceCountIs('AWS::Backup::BackupVault', 1);
    template.hasResource('AWS::Backup::BackupVault', {
      Properties: { EncryptionKeyArn: Match.anyValue() },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it.each(PLAN_NAMES.map((plan) => [plan]))('backs up %s volumes daily and keeps them as long as the plan sells', (plan) => {
    const plans = template.findResources('AWS::Backup::BackupPlan');
    const rules = Object.values(plans).flatMap((resource) => (resource as { Properties: { BackupPlan: { BackupPlanRule: Record<string, unknown>[] } } }).Properties.BackupPlan.BackupPlanRule);
    const rule = rules.find((candidate) => String(candidate['RuleName']).toLowerCase() === `daily${plan}`);
    expect(rule).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Lifecycle: { DeleteAfterDays: BACKUP_RETENTION_DAYS[plan] },
    });
  });

  it('has one plan and one selection per StackPro plan, each selecting volumes by ManagedBy AND Plan tags', () => {
    template.resourceCountIs('AWS::Backup::BackupPlan', PLAN_NAMES.length);
    template.resourceCountIs('AWS::Backup::BackupSelection', PLAN_NAMES.length);
    for (const plan of PLAN_NAMES) {
      template.hasResourceProperties('AWS::Backup::BackupSelection', {
        BackupSelection: {
          Resources: ['arn:aws:ec2:*:*:volume/*'],
          Conditions: {
            StringEquals: [
              { ConditionKey: 'aws:ResourceTag/ManagedBy', ConditionValue: 'stackpro' },
              { ConditionKey: 'aws:ResourceTag/Plan', ConditionValue: plan },
            ],
          },
        },
      });
    }
  });

  it('keeps the plans 7, 14 and 30 days', () => {
    expect(BACKUP_RETENTION_DAYS).toEqual({ starter: 7, business: 14, enterprise: 30 });
  });

  it('lets only AWS Backup assume the backup role', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })] },
    });
  });
});

describe('CustomerBackups backup role', () => {
  it('attaches no AWS managed policy and snapshots only volumes tagged ManagedBy=stackpro', () => {
    expect(Object.keys(template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }))).toEqual([]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ec2:CreateSnapshot', Condition: { StringEquals: { 'aws:ResourceTag/ManagedBy': 'stackpro' } } }),
        ]),
      },
    });
  });
});
