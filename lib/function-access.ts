import { ArnFormat, type CfnElement, Names, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { RouteAccess } from '../lambdas/api/routes';
import { PLANS } from '../lambdas/core/plans';
import { MESSAGING_TABLE_DESIGN } from '../lambdas/repositories/messaging-table-design';
import { TABLE_DESIGN } from '../lambdas/repositories/table-design';
import type { ScheduledJobAccess } from '../lambdas/scheduled/jobs';
import type { StepAccess } from '../statemachines/workflows';
import { grantCustomersByStatusQuery, grantItemRead, grantItemWrite } from './customer-table';
import { grantMessagingRead, grantMessagingWrite, messagingSendResources } from './messaging-table';
import type { CustomerBackups } from './customer-backups';
import { MANAGED_BY_TAG, type CustomerInstances } from './customer-instances';
import { CUSTOMER_PARAMETER_PREFIX } from '../lambdas/core/customer-secrets';
import type { DeployDocument } from './deploy-document';
import type { LifecycleWorkflows } from './lifecycle-workflows';
import type { ResizeWorkflowStack } from './resize-workflow-stack';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import type { StackProSettings } from './settings';
import type { SigningKey } from './signing-key';
import type { StripeKeys } from './stripe-keys';

/**
 * Everything any function may declare it needs: the route table's `RouteAccess` (lambdas/api/routes.ts),
 * the workflow steps' `StepAccess` (statemachines/workflows.ts) and the scheduled jobs' `ScheduledJobAccess`
 * (lambdas/scheduled/jobs.ts). An access several list (`table:*`, `stripe`, `ses:send`) means the same IAM
 * and environment for a route as for a step or a job.
 */
export type FunctionAccess = RouteAccess | StepAccess | ScheduledJobAccess;

/**
 * Everything a function may be granted access to; each access reaches exactly one part. Only the table,
 * the Stripe keys and the settings are always present: a part an access needs but the caller did not pass
 * fails the synth with the function's name.
 */
export interface AccessTargets {
  /** The single table; `table:read` / `table:write` (with TABLE_NAME). */
  readonly table: dynamodb.ITable;
  /** The Stripe keys secret (`stripe`, with STRIPE_SECRET_ID). */
  readonly stripeKeys: StripeKeys;
  /**
   * Customer identities are `<slug>.<customerDomain>`; emails come from `senderAddress` (`ses:*`);
   * `lifecycle:start` and `billing-lapses:deprovision` pass `billingRetentionDays` to Deprovision;
   * `final-snapshots:delete` keeps final backups `finalSnapshotRetentionDays`.
   */
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress'> &
    Partial<Pick<StackProSettings, 'billingRetentionDays' | 'finalSnapshotRetentionDays'>>;
  /** The JWT signing key (`signing-key:read`, with SIGNING_KEY_SECRET_ID). */
  readonly signingKey?: SigningKey;
  /** The provisioning workflow (`provisioning:start`, with PROVISIONING_STATE_MACHINE_ARN; `usage:collect` lists its executions). */
  readonly provisioning?: ProvisioningWorkflow;
  /** The suspend, resume and deprovision workflows (`lifecycle:start`, with their ARNs; `billing-lapses:deprovision` starts Deprovision only). */
  readonly lifecycle?: LifecycleWorkflows;
  /** The resize workflow, in its nested stack (`resize:start`, with RESIZE_STATE_MACHINE_ARN). */
  readonly resize?: Pick<ResizeWorkflowStack, 'stateMachine' | 'grantStart'>;
  /** Network, launch template and instance role of customer servers (`ec2:launch`). */
  readonly instances?: CustomerInstances;
  /** The Run Command document Deploy applications sends (`ssm:deploy`). */
  readonly deployDocument?: DeployDocument;
  /** The zone holding customer records (`route53:records`). */
  readonly hostedZone?: route53.IHostedZone;
  /** The customer backup vault and AWS Backup's role (`backup:read`, `backup:start`, `backup:restore`). */
  readonly backups?: CustomerBackups;
  /** The messaging table (`messaging:read`, `messaging:write`, with MESSAGING_TABLE_NAME). */
  readonly messagingTable?: dynamodb.ITable;
  /** The two-way SMS topic a requested number delivers inbound messages to (`sms:request-number`, with MESSAGING_SMS_TOPIC_ARN). */
  readonly messagingSmsTopic?: sns.ITopic;
  /** The RestoreCustomer workflow (`restore:start`, with RESTORE_STATE_MACHINE_ARN). */
  readonly restore?: { readonly stateMachine: sfn.StateMachine };
  /** The FleetUpdate state machine (`fleet:start`, with FLEET_UPDATE_STATE_MACHINE_ARN). */
  readonly fleetUpdate?: sfn.StateMachine;
}

/** The instance types plans run on: the only ones Launch instance may start (a stolen role cannot mine on a GPU). */
const PLAN_INSTANCE_TYPES = [...new Set(Object.values(PLANS).map((plan) => plan.instanceType))];

/** The record types provisioning creates: the subdomain's A record and the DKIM CNAMEs (lambdas/provisioning/dns.ts). */
export const CUSTOMER_RECORD_TYPES = ['A', 'CNAME'];

/**
 * The normalized names provisioning may change: everything under the customer domain, which holds only
 * `<slug>.<domain>` and `<token>._domainkey.<slug>.<domain>`. IAM's `*` also matches dots, so "one label"
 * cannot be said; the apex and names outside the customer domain (our own hosts) are out.
 */
export function customerRecordNames(customerDomain: string): string[] {
  return [`*.${customerDomain}`];
}

const MANAGED_BY_RESOURCE = { [`aws:ResourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value };
const MANAGED_BY_REQUEST = { [`aws:RequestTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value };

/**
 * `ses:SendEmail` from the sender address only (its address and domain identities, `ses:FromAddress`
 * condition), with SENDER_ADDRESS; shared by workflow steps and API routes that email customers.
 */
export function grantSendEmail(fn: lambda.Function, senderAddress: string): void {
  const stack = Stack.of(fn);
  fn.addEnvironment('SENDER_ADDRESS', senderAddress);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [senderAddress, senderAddress.slice(senderAddress.indexOf('@') + 1)].map((identity) =>
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
      ),
      conditions: { StringEquals: { 'ses:FromAddress': senderAddress } },
    }),
  );
}

/** Read access to the Stripe keys, with STRIPE_SECRET_ID; shared by workflow steps and API routes. */
export function grantStripeKeys(fn: lambda.Function, stripeKeys: StripeKeys): void {
  fn.addEnvironment('STRIPE_SECRET_ID', stripeKeys.secret.secretArn);
  stripeKeys.grantRead(fn);
}

/**
 * Grants a function exactly what its access list declares (see the doc comments of `RouteAccess` and
 * `StepAccess`), and sets the environment variables that access needs (names from lambdas/config.ts). The
 * one mapping for every route, step and workflow, so an access means the same IAM wherever it is declared.
 * `owner` (route or step id) names the function in nag reasons and errors.
 */
export function grantFunctionAccess(fn: lambda.Function, owner: string, accessList: readonly FunctionAccess[], targets: AccessTargets): void {
  for (const access of new Set(accessList)) grantOne(fn, owner, access, targets);
}

/**
 * How cdk-nag writes a state machine's name as `stack` sees it: its own resource's `Name`, or, for one in a
 * nested stack (the resize), the nested stack's output CDK makes for it.
 */
function nameReference(stack: Stack, machine: sfn.IStateMachine): string {
  const resource = machine.node.defaultChild as CfnElement;
  const owner = Stack.of(resource);
  if (owner === stack || !(owner instanceof NestedStack) || !owner.nestedStackResource) return `${stack.getLogicalId(resource)}.Name`;
  return `${stack.getLogicalId(owner.nestedStackResource)}.Outputs.${Names.nodeUniqueId(resource.node)}Name`;
}

/** A target the access needs; its absence is a wiring mistake, caught at synth. */
function needed<T>(target: T | undefined, owner: string, access: FunctionAccess): T {
  if (target === undefined) throw new Error(`${owner} declares ${access}, but its construct was given nothing to grant it on`);
  return target;
}

function grantOne(fn: lambda.Function, owner: string, access: FunctionAccess, targets: AccessTargets): void {
  const stack = Stack.of(fn);
  const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
  const allow = (statement: iam.PolicyStatementProps) => fn.addToRolePolicy(new iam.PolicyStatement(statement));
  const { customerDomain } = targets.settings;
  const customerIdentities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: `*.${customerDomain}` });
  const role = fn.role!;
  const acknowledgeCustomerIdentities = (what: string) =>
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*.${customerDomain}]`,
      reason: `Each customer gets its own subdomain identity, made at provisioning time; the grant is limited to ${what} under the customer domain.`,
    });

  switch (access) {
    case 'table:read':
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      grantItemRead(targets.table, fn);
      break;
    case 'table:write':
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      grantItemWrite(targets.table, fn);
      break;
    case 'signing-key:read': {
      const signingKey = needed(targets.signingKey, owner, access);
      fn.addEnvironment('SIGNING_KEY_SECRET_ID', signingKey.secret.secretArn);
      signingKey.grantRead(fn);
      break;
    }
    case 'signing-key:verify': {
      const signingKey = needed(targets.signingKey, owner, access);
      fn.addEnvironment('JWT_PUBLIC_KEYS_SECRET_ID', signingKey.publicKeys.secretArn);
      signingKey.grantReadPublicKeys(fn);
      break;
    }
    case 'provisioning:start': {
      const provisioning = needed(targets.provisioning, owner, access);
      fn.addEnvironment('PROVISIONING_STATE_MACHINE_ARN', provisioning.stateMachine.stateMachineArn);
      provisioning.grantStart(fn);
      break;
    }
    case 'lifecycle:start': {
      const lifecycle = needed(targets.lifecycle, owner, access);
      for (const [name, arn] of Object.entries(lifecycle.stateMachineArns)) fn.addEnvironment(name, arn);
      // Deprovision waits out the retention period it is started with.
      fn.addEnvironment('BILLING_RETENTION_DAYS', String(needed(targets.settings.billingRetentionDays, owner, access)));
      lifecycle.grantStart(fn);
      break;
    }
    case 'resize:start': {
      const resize = needed(targets.resize, owner, access);
      fn.addEnvironment('RESIZE_STATE_MACHINE_ARN', resize.stateMachine.stateMachineArn);
      resize.grantStart(fn);
      break;
    }
    case 'ec2:launch': {
      const instances = needed(targets.instances, owner, access);
      fn.addEnvironment('LAUNCH_TEMPLATE_ID', instances.launchTemplate.launchTemplateId!);
      fn.addEnvironment('SUBNET_IDS', instances.subnetIds.join(','));
      // Every resource RunInstances touches, and only through our launch template.
      const fromTemplate = { ArnEquals: { 'ec2:LaunchTemplate': instances.launchTemplateArn } };
      allow({
        actions: ['ec2:RunInstances'],
        resources: [
          instances.launchTemplateArn,
          ...instances.subnetIds.map((subnetId) => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnetId })),
          stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: instances.securityGroup.securityGroupId }),
          ec2Arn('network-interface'),
        ],
        conditions: fromTemplate,
      });
      allow({
        actions: ['ec2:RunInstances'],
        // Not just the template's AMI id: CloudFormation never moves a template's default version, so an
        // older version (older AMI) may be the one launched. Images owned by Amazon or this account only,
        // never a community or marketplace image passed as an override.
        resources: [stack.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' })],
        conditions: { ...fromTemplate, StringEquals: { 'ec2:Owner': ['amazon', stack.account] } },
      });
      // Encrypted volumes and IMDSv2 only, whatever the template version or an override says: the keys
      // are evaluated on the launch request itself (README "Launch and DNS permissions" cites the docs).
      allow({
        actions: ['ec2:RunInstances'],
        resources: [ec2Arn('volume')],
        conditions: { ...fromTemplate, StringEquals: MANAGED_BY_REQUEST, Bool: { 'ec2:Encrypted': 'true' } },
      });
      allow({
        actions: ['ec2:RunInstances'],
        resources: [ec2Arn('instance')],
        conditions: {
          ...fromTemplate,
          StringEquals: { ...MANAGED_BY_REQUEST, 'ec2:InstanceType': PLAN_INSTANCE_TYPES, 'ec2:MetadataHttpTokens': 'required' },
        },
      });
      allow({
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn('instance'), ec2Arn('volume')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      });
      allow({
        actions: ['iam:PassRole'],
        resources: [instances.instanceRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
          reason: 'Instance ids do not exist before RunInstances: only via our launch template, tagged ManagedBy=stackpro, plan instance types; CreateTags only during RunInstances.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
          reason: 'Volume ids do not exist before RunInstances: only via our launch template and tagged ManagedBy=stackpro; CreateTags only during RunInstances.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*]',
          reason: 'AMI ids change with every Amazon Linux release (resolved from SSM at deploy time); only images owned by Amazon or this account, via our launch template.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
          reason: 'RunInstances creates the primary network interface, whose id does not exist yet; only via our launch template.',
        },
      );
      break;
    }
    case 'ec2:describe':
      allow({ actions: ['ec2:DescribeInstances'], resources: ['*'] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `${owner}: ec2:DescribeInstances has no resource-level permissions (it is read-only and lists no secrets).`,
      });
      break;
    case 'ec2:terminate':
      allow({
        actions: ['ec2:TerminateInstances'],
        resources: [ec2Arn('instance')],
        conditions: { StringEquals: MANAGED_BY_RESOURCE },
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: 'Rollback terminates instances found by their Customer tag; only instances tagged ManagedBy=stackpro (condition).',
      });
      break;
    case 'ec2:stop-start':
      allow({
        actions: ['ec2:StopInstances', 'ec2:StartInstances'],
        resources: [ec2Arn('instance')],
        conditions: { StringEquals: MANAGED_BY_RESOURCE },
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: `${owner}: suspend and resume stop or start the customer's instance, found by its Customer tag; only instances tagged ManagedBy=stackpro (condition).`,
      });
      break;
    case 'ec2:snapshot': {
      // Snapshot ARNs have no account (`arn:aws:ec2:<region>::snapshot/<id>`).
      const snapshots = stack.formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' });
      allow({ actions: ['ec2:CreateSnapshot'], resources: [ec2Arn('volume')], conditions: { StringEquals: MANAGED_BY_RESOURCE } });
      allow({ actions: ['ec2:CreateSnapshot'], resources: [snapshots], conditions: { StringEquals: MANAGED_BY_REQUEST } });
      allow({
        actions: ['ec2:CreateTags'],
        resources: [snapshots],
        conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSnapshot' } },
      });
      allow({ actions: ['ec2:DescribeSnapshots'], resources: ['*'] });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
          reason: `${owner}: the final backup snapshots the customer's volume, found through its instance; only volumes tagged ManagedBy=stackpro (condition).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
          reason: `${owner}: snapshot ids do not exist before CreateSnapshot; it must tag them ManagedBy=stackpro (request tag), and CreateTags is allowed only as part of CreateSnapshot.`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${owner}: ec2:DescribeSnapshots has no resource-level permissions (read-only; it finds the final backup by tag).`,
        },
      );
      break;
    }
    case 'route53:records': {
      const hostedZone = needed(targets.hostedZone, owner, access);
      fn.addEnvironment('HOSTED_ZONE_ID', hostedZone.hostedZoneId);
      allow({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [hostedZone.hostedZoneArn],
        conditions: {
          // Only names under the customer domain (a customer subdomain and its DKIM CNAMEs), never the apex
          // or our own hosts; only the record types we create (A and CNAME); no CREATE (UPSERT is idempotent).
          // ForAllValues is true for an empty set, so Null demands the keys be present (fail closed).
          'ForAllValues:StringLike': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': customerRecordNames(customerDomain),
          },
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
            'route53:ChangeResourceRecordSetsRecordTypes': CUSTOMER_RECORD_TYPES,
          },
          Null: {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': 'false',
            'route53:ChangeResourceRecordSetsRecordTypes': 'false',
            'route53:ChangeResourceRecordSetsActions': 'false',
          },
        },
      });
      allow({ actions: ['route53:ListResourceRecordSets'], resources: [hostedZone.hostedZoneArn] });
      break;
    }
    case 'route53:get-change':
      allow({ actions: ['route53:GetChange'], resources: [stack.formatArn({ service: 'route53', region: '', account: '', resource: 'change', resourceName: '*' })] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
        reason: 'Change ids are made by each ChangeResourceRecordSets call; GetChange only reads a change status.',
      });
      break;
    case 'ses:create-identity':
      allow({ actions: ['ses:CreateEmailIdentity', 'ses:GetEmailIdentity', 'ses:TagResource'], resources: [customerIdentities] });
      acknowledgeCustomerIdentities('create customer subdomain identities (and tag them)');
      break;
    case 'ses:read-identity':
      allow({ actions: ['ses:GetEmailIdentity'], resources: [customerIdentities] });
      acknowledgeCustomerIdentities('read the verification status of customer subdomain identities');
      break;
    case 'ses:delete-identity':
      allow({ actions: ['ses:DeleteEmailIdentity'], resources: [customerIdentities] });
      acknowledgeCustomerIdentities('delete customer subdomain identities on rollback or deprovisioning');
      break;
    case 'ses:send':
      grantSendEmail(fn, targets.settings.senderAddress);
      break;
    case 'ssm:deploy': {
      const deployDocument = needed(targets.deployDocument, owner, access);
      fn.addEnvironment('DEPLOY_DOCUMENT_NAME', deployDocument.documentName);
      allow({ actions: ['ssm:SendCommand'], resources: [deployDocument.documentArn] });
      allow({
        actions: ['ssm:SendCommand'],
        resources: [ec2Arn('instance')],
        conditions: { StringEquals: { [`ssm:resourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value } },
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: 'The deploy document runs only on instances tagged ManagedBy=stackpro (condition); their ids are not known in advance.',
      });
      break;
    }
    case 'ssm:customer-secrets': {
      fn.addEnvironment('INSTANCE_ARN_PREFIX', ec2Arn('instance').replace(/\*$/, ''));
      const customerParameters = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${CUSTOMER_PARAMETER_PREFIX.slice(1)}/*` });
      // PutParameter with Tags also needs AddTagsToResource; nothing here can read a secret back.
      allow({ actions: ['ssm:PutParameter', 'ssm:AddTagsToResource'], resources: [customerParameters] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/stackpro/customers/*]',
        reason: `${owner}: creates each customer's secrets under /stackpro/customers/<customerId>/ (ids known only at run time) and tags them with the instance that may read them; it cannot read them.`,
      });
      break;
    }
    case 'ssm:read':
      allow({ actions: ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'], resources: ['*'] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `${owner}: ssm:DescribeInstanceInformation and ssm:GetCommandInvocation have no resource-level permissions (read-only).`,
      });
      break;
    case 'backup:read': {
      const backups = needed(targets.backups, owner, access);
      fn.addEnvironment('BACKUP_VAULT_NAME', backups.vault.backupVaultName);
      fn.addEnvironment('VOLUME_ARN_PREFIX', ec2Arn('volume').replace(/\*$/, ''));
      allow({ actions: ['backup:ListRecoveryPointsByResource'], resources: ['*'] });
      allow({
        actions: ['backup:DescribeRecoveryPoint'],
        resources: [backups.vault.backupVaultArn, stack.formatArn({ service: 'backup', resource: 'recovery-point', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `${owner}: backup:ListRecoveryPointsByResource has no resource-level permissions (read-only; the code asks only for the customer's own volume).`,
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:backup:<AWS::Region>:<AWS::AccountId>:recovery-point:*]',
        reason: `${owner}: recovery points are made daily by AWS Backup; their ids are not known in advance (read-only).`,
      });
      break;
    }
    case 'backup:start': {
      const backups = needed(targets.backups, owner, access);
      fn.addEnvironment('BACKUP_VAULT_NAME', backups.vault.backupVaultName);
      fn.addEnvironment('BACKUP_ROLE_ARN', backups.backupRole.roleArn);
      fn.addEnvironment('VOLUME_ARN_PREFIX', ec2Arn('volume').replace(/\*$/, ''));
      allow({ actions: ['backup:StartBackupJob'], resources: [backups.vault.backupVaultArn] });
      // AWS Backup's own role only, and only to AWS Backup: a stolen function role cannot hand out anything else.
      allow({
        actions: ['iam:PassRole'],
        resources: [backups.backupRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      });
      break;
    }
    case 'ec2:modify-instance-type':
      // Only to a plan's instance type: a compromised step cannot resize a server to something costly.
      allow({
        actions: ['ec2:ModifyInstanceAttribute'],
        resources: [ec2Arn('instance')],
        conditions: {
          StringEquals: { ...MANAGED_BY_RESOURCE, 'ec2:Attribute/InstanceType': PLAN_INSTANCE_TYPES },
        },
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: `${owner}: the resize changes the customer's instance type, found by its Customer tag; only instances tagged ManagedBy=stackpro, only the type attribute, only to a plan's type (conditions).`,
      });
      break;
    case 'ec2:modify-volume':
      allow({ actions: ['ec2:ModifyVolume'], resources: [ec2Arn('volume')], conditions: { StringEquals: MANAGED_BY_RESOURCE } });
      allow({ actions: ['ec2:DescribeVolumes', 'ec2:DescribeVolumesModifications'], resources: ['*'] });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
          reason: `${owner}: the resize grows the customer's data volume, found through its instance; only volumes tagged ManagedBy=stackpro (condition).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${owner}: ec2:DescribeVolumes and ec2:DescribeVolumesModifications have no resource-level permissions (read-only).`,
        },
      );
      break;
    case 'ssm:run-shell': {
      const runShellScript = stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: 'AWS-RunShellScript' });
      allow({ actions: ['ssm:SendCommand'], resources: [runShellScript] });
      allow({
        actions: ['ssm:SendCommand'],
        resources: [ec2Arn('instance')],
        conditions: { StringEquals: { [`ssm:resourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value } },
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: `${owner}: runs the resize's AWS-RunShellScript (file-system growth, apps check) only on instances tagged ManagedBy=stackpro (condition); their ids are not known in advance.`,
      });
      break;
    }
    case 'backup:restore': {
      const backups = needed(targets.backups, owner, access);
      fn.addEnvironment('BACKUP_VAULT_NAME', backups.vault.backupVaultName);
      fn.addEnvironment('BACKUP_ROLE_ARN', backups.backupRole.roleArn);
      fn.addEnvironment('VOLUME_ARN_PREFIX', ec2Arn('volume').replace(/\*$/, ''));
      const recoveryPoints = stack.formatArn({ service: 'backup', resource: 'recovery-point', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      allow({ actions: ['backup:StartRestoreJob', 'backup:DescribeRecoveryPoint'], resources: [backups.vault.backupVaultArn, recoveryPoints] });
      allow({ actions: ['backup:DescribeRestoreJob'], resources: ['*'] });
      // AWS Backup's own role only, and only to AWS Backup: it creates the restored volume.
      allow({
        actions: ['iam:PassRole'],
        resources: [backups.backupRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:backup:<AWS::Region>:<AWS::AccountId>:recovery-point:*]',
          reason: `${owner}: recovery points are made daily by AWS Backup (ids not known in advance); the step restores only a point of the customer's own volumes (checked in code).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${owner}: backup:DescribeRestoreJob has no resource-level permissions (read-only).`,
        },
      );
      break;
    }
    case 'ec2:swap-volume':
      allow({ actions: ['ec2:DescribeVolumes'], resources: ['*'] });
      // Both the instance and the volume must carry ManagedBy=stackpro (AttachVolume and DetachVolume authorize on each).
      allow({
        actions: ['ec2:AttachVolume', 'ec2:DetachVolume'],
        resources: [ec2Arn('instance'), ec2Arn('volume')],
        conditions: { StringEquals: MANAGED_BY_RESOURCE },
      });
      // DeleteOnTermination of the attached root volume (AttachVolume leaves it false).
      allow({ actions: ['ec2:ModifyInstanceAttribute'], resources: [ec2Arn('instance')], conditions: { StringEquals: MANAGED_BY_RESOURCE } });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${owner}: ec2:DescribeVolumes has no resource-level permissions (read-only).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
          reason: `${owner}: swaps the data volume of the customer's server (id known at run time); only instances tagged ManagedBy=stackpro (condition).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
          reason: `${owner}: restored volumes are made by AWS Backup at run time; only volumes tagged ManagedBy=stackpro (condition).`,
        },
      );
      break;
    case 'ec2:delete-volume':
      allow({ actions: ['ec2:DeleteVolume'], resources: [ec2Arn('volume')], conditions: { StringEquals: MANAGED_BY_RESOURCE } });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]',
        reason: `${owner}: deletes the volume a restore replaced or rolled back (ids known at run time); only volumes tagged ManagedBy=stackpro (condition).`,
      });
      break;
    case 'restore:start': {
      const restore = needed(targets.restore, owner, access);
      fn.addEnvironment('RESTORE_STATE_MACHINE_ARN', restore.stateMachine.stateMachineArn);
      restore.stateMachine.grantStartExecution(fn);
      break;
    }
    case 'stripe':
      grantStripeKeys(fn, targets.stripeKeys);
      break;
    case 'lifecycle:suspend':
    case 'lifecycle:resume': {
      const lifecycle = needed(targets.lifecycle, owner, access);
      const [workflow, variable] = access === 'lifecycle:suspend' ? (['SuspendCustomer', 'SUSPEND_STATE_MACHINE_ARN'] as const) : (['ResumeCustomer', 'RESUME_STATE_MACHINE_ARN'] as const);
      fn.addEnvironment(variable, lifecycle.stateMachines[workflow].stateMachineArn);
      lifecycle.stateMachines[workflow].grantStartExecution(fn);
      break;
    }
    case 'fleet:start': {
      const fleetUpdate = needed(targets.fleetUpdate, owner, access);
      fn.addEnvironment('FLEET_UPDATE_STATE_MACHINE_ARN', fleetUpdate.stateMachineArn);
      fleetUpdate.grantStartExecution(fn);
      break;
    }
    case 'customers:list':
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      grantCustomersByStatusQuery(targets.table, fn);
      break;
    case 'workflows:read': {
      // Every workflow's ARN (the execution ARN is made from it) and read access to its executions only.
      const provisioning = needed(targets.provisioning, owner, access);
      const lifecycle = needed(targets.lifecycle, owner, access);
      fn.addEnvironment('PROVISIONING_STATE_MACHINE_ARN', provisioning.stateMachine.stateMachineArn);
      for (const [name, arn] of Object.entries(lifecycle.stateMachineArns)) fn.addEnvironment(name, arn);
      const resize = needed(targets.resize, owner, access);
      fn.addEnvironment('RESIZE_STATE_MACHINE_ARN', resize.stateMachine.stateMachineArn);
      const machines: sfn.StateMachine[] = [provisioning.stateMachine, ...Object.values(lifecycle.stateMachines), resize.stateMachine];
      if (targets.restore) {
        fn.addEnvironment('RESTORE_STATE_MACHINE_ARN', targets.restore.stateMachine.stateMachineArn);
        machines.push(targets.restore.stateMachine);
      }
      // A fleet update's executions are in each updated customer's step log too.
      if (targets.fleetUpdate) {
        fn.addEnvironment('FLEET_UPDATE_STATE_MACHINE_ARN', targets.fleetUpdate.stateMachineArn);
        machines.push(targets.fleetUpdate);
      }
      allow({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: machines.map((machine) =>
          stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${machine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      });
      for (const machine of machines) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${nameReference(stack, machine)}>:*]`,
          reason: `${owner}: execution names are made per customer at run time; read-only access to this one workflow's executions.`,
        });
      }
      break;
    }
    case 'messaging:read':
      fn.addEnvironment('MESSAGING_TABLE_NAME', needed(targets.messagingTable, owner, access).tableName);
      grantMessagingRead(needed(targets.messagingTable, owner, access), fn);
      break;
    case 'messaging:write':
      fn.addEnvironment('MESSAGING_TABLE_NAME', needed(targets.messagingTable, owner, access).tableName);
      grantMessagingWrite(needed(targets.messagingTable, owner, access), fn);
      break;
    case 'messaging:send': {
      const resources = messagingSendResources(fn);
      allow({ actions: ['sms-voice:SendTextMessage'], resources: [resources.sms] });
      allow({ actions: ['social-messaging:SendWhatsAppMessage'], resources: [resources.whatsapp] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:phone-number/*]',
        reason: `${owner}: each customer's SMS number is requested at provisioning time; SendTextMessage only, from the account's own numbers.`,
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:social-messaging:<AWS::Region>:<AWS::AccountId>:phone-number-id/*]',
        reason: `${owner}: each customer's WhatsApp number is linked at provisioning time; SendWhatsAppMessage only, from the account's own numbers.`,
      });
      break;
    }
    case 'sms:request-number': {
      const topic = needed(targets.messagingSmsTopic, owner, access);
      const numbers = messagingSendResources(fn).sms;
      fn.addEnvironment('MESSAGING_SMS_TOPIC_ARN', topic.topicArn);
      // A new number must carry ManagedBy=stackpro (request tag); tagging only as part of that request.
      allow({ actions: ['sms-voice:RequestPhoneNumber'], resources: ['*'], conditions: { StringEquals: MANAGED_BY_REQUEST } });
      allow({ actions: ['sms-voice:TagResource'], resources: [numbers], conditions: { StringEquals: MANAGED_BY_REQUEST } });
      allow({ actions: ['sms-voice:UpdatePhoneNumber'], resources: [numbers], conditions: { StringEquals: MANAGED_BY_RESOURCE } });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${owner}: a number's id does not exist before RequestPhoneNumber; only with the tag ManagedBy=stackpro (request tag condition).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:phone-number/*]',
          reason: `${owner}: numbers are requested per customer at run time; tagging only with ManagedBy=stackpro, UpdatePhoneNumber only on numbers tagged ManagedBy=stackpro.`,
        },
      );
      break;
    }
    case 'sms:release-number':
      allow({ actions: ['sms-voice:ReleasePhoneNumber'], resources: [messagingSendResources(fn).sms], conditions: { StringEquals: MANAGED_BY_RESOURCE } });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:phone-number/*]',
        reason: `${owner}: releases a customer's number (ids made at run time); only numbers tagged ManagedBy=stackpro (condition).`,
      });
      break;
    case 'messaging-history:expire': {
      const messagingTable = needed(targets.messagingTable, owner, access);
      const index = MESSAGING_TABLE_DESIGN.conversationIndexes.all.indexName;
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      fn.addEnvironment('MESSAGING_TABLE_NAME', messagingTable.tableName);
      // Profiles and channels by key; the marker partition, conversations (one index) and their messages by Query; deletes.
      grantItemRead(targets.table, fn);
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
        resourceArns: [messagingTable.tableArn],
      });
      allow({ actions: ['dynamodb:Query'], resources: [`${messagingTable.tableArn}/index/${index}`] });
      break;
    }
    case 'abandoned-signups:remove': {
      const { table } = targets;
      const index = TABLE_DESIGN.pendingVerificationIndex.indexName;
      fn.addEnvironment('TABLE_NAME', table.tableName);
      allow({ actions: ['dynamodb:Query'], resources: [stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${table.tableName}/index/${index}` })] });
      // Reads profiles, email and subdomain items; deletes them (and tokens) in one conditional transaction.
      allow({ actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'], resources: [table.tableArn] });
      break;
    }
    case 'billing-lapses:deprovision': {
      const deprovision = needed(targets.lifecycle, owner, access).stateMachines.DeprovisionCustomer;
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      fn.addEnvironment('DEPROVISION_STATE_MACHINE_ARN', deprovision.stateMachineArn);
      fn.addEnvironment('BILLING_RETENTION_DAYS', String(needed(targets.settings.billingRetentionDays, owner, access)));
      // Query the BILLINGLAPSE partition and read profiles; update profiles (billing snapshot, sweep mark); delete markers.
      // The base table only (table.grant would add index/*): the sweep Queries its marker partition by key.
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resourceArns: [targets.table.tableArn],
      });
      grantStripeKeys(fn, targets.stripeKeys);
      deprovision.grantStartExecution(fn);
      break;
    }
    case 'final-snapshots:delete':
      fn.addEnvironment('FINAL_SNAPSHOT_RETENTION_DAYS', String(needed(targets.settings.finalSnapshotRetentionDays, owner, access)));
      allow({ actions: ['ec2:DescribeSnapshots'], resources: ['*'] });
      allow({
        actions: ['ec2:DeleteSnapshot'],
        resources: [stack.formatArn({ service: 'ec2', account: '', resource: 'snapshot', resourceName: '*' })],
        // Only the final backups the deprovision workflow tagged, never another snapshot in the account.
        conditions: { StringEquals: { ...MANAGED_BY_RESOURCE, 'aws:ResourceTag/Purpose': 'final-backup' } },
      });
      Validations.of(role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: 'ec2:DescribeSnapshots has no resource-level permissions (read-only; it finds final backups by tag).',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
          reason: 'Final backup ids are made by each deprovisioning; DeleteSnapshot only on snapshots tagged ManagedBy=stackpro and Purpose=final-backup (conditions).',
        },
      );
      break;
    case 'email-verifications:check':
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      // Query the EMAILVERIFY partition; set services.email on infrastructure items (conditional); delete markers.
      iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resourceArns: [targets.table.tableArn] });
      allow({ actions: ['ses:GetEmailIdentity'], resources: [customerIdentities] });
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*.${customerDomain}]`,
        reason: 'Each customer gets its own subdomain identity, made at provisioning time; the sweep may only read identities under the customer domain.',
      });
      break;
    case 'usage:collect': {
      const provisioning = needed(targets.provisioning, owner, access).stateMachine;
      fn.addEnvironment('TABLE_NAME', targets.table.tableName);
      fn.addEnvironment('PROVISIONING_STATE_MACHINE_ARN', provisioning.stateMachineArn);
      // Profiles by key (BatchGetItem) and the customer's USAGE item (PutItem); nothing else in the table.
      iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], resourceArns: [targets.table.tableArn] });
      // Read-only calls without resource-level permissions.
      allow({ actions: ['ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'cloudwatch:GetMetricData'], resources: ['*'] });
      allow({ actions: ['states:ListExecutions'], resources: [provisioning.stateMachineArn] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ec2:DescribeInstances, ec2:DescribeSnapshots and cloudwatch:GetMetricData have no resource-level permissions (read-only; the job ' +
          'finds customer servers and snapshots by their ManagedBy tag and reads their metrics).',
      });
      break;
    }
    default: {
      const unknown: never = access;
      throw new Error(`${owner} declares unknown access ${String(unknown)}`);
    }
  }
}
