import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import { PLANS } from '../lambdas/core/plans';
import type { StepAccess, WorkflowStep } from '../statemachines/workflows';
import { grantItemRead, grantItemWrite } from './customer-table';
import { MANAGED_BY_TAG, type CustomerInstances } from './customer-instances';
import { CUSTOMER_PARAMETER_PREFIX } from '../lambdas/core/customer-secrets';
import type { DeployDocument } from './deploy-document';
import type { StackProSettings } from './settings';
import type { StripeKeys } from './stripe-keys';

/** Everything a workflow step may be granted access to; each `StepAccess` reaches exactly one part. */
export interface StepAccessTargets {
  /** The single table; `table:read` / `table:write`. */
  readonly table: dynamodb.ITable;
  /** Network, launch template and instance role of customer servers (`ec2:launch`). */
  readonly instances: CustomerInstances;
  /** The Run Command document Deploy applications sends (`ssm:deploy`). */
  readonly deployDocument: DeployDocument;
  /** The zone holding customer records (`route53:records`). */
  readonly hostedZone: route53.IHostedZone;
  /** The Stripe keys secret (`stripe`). */
  readonly stripeKeys: StripeKeys;
  /** Customer identities are `<slug>.<customerDomain>`; emails come from `senderAddress` (`ses:*`). */
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress'>;
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
 * Grants exactly what one `StepAccess` means (see its doc comments in statemachines/workflows.ts), and
 * sets the environment variables the step needs for it (names from lambdas/config.ts). The one mapping for
 * every workflow, so a step id shared by several workflows means the same IAM everywhere.
 */
export function grantStepAccess(step: WorkflowStep, access: StepAccess, fn: lambda.Function, targets: StepAccessTargets): void {
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
      grantItemRead(targets.table, fn);
      break;
    case 'table:write':
      grantItemWrite(targets.table, fn);
      break;
    case 'ec2:launch': {
      const { instances } = targets;
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
        reason: `${step.id}: ec2:DescribeInstances has no resource-level permissions (it is read-only and lists no secrets).`,
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
        reason: `${step.id}: suspend and resume stop or start the customer's instance, found by its Customer tag; only instances tagged ManagedBy=stackpro (condition).`,
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
          reason: `${step.id}: the final backup snapshots the customer's volume, found through its instance; only volumes tagged ManagedBy=stackpro (condition).`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*]',
          reason: `${step.id}: snapshot ids do not exist before CreateSnapshot; it must tag them ManagedBy=stackpro (request tag), and CreateTags is allowed only as part of CreateSnapshot.`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${step.id}: ec2:DescribeSnapshots has no resource-level permissions (read-only; it finds the final backup by tag).`,
        },
      );
      break;
    }
    case 'route53:records':
      fn.addEnvironment('HOSTED_ZONE_ID', targets.hostedZone.hostedZoneId);
      allow({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [targets.hostedZone.hostedZoneArn],
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
      allow({ actions: ['route53:ListResourceRecordSets'], resources: [targets.hostedZone.hostedZoneArn] });
      break;
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
    case 'ssm:deploy':
      fn.addEnvironment('DEPLOY_DOCUMENT_NAME', targets.deployDocument.documentName);
      allow({ actions: ['ssm:SendCommand'], resources: [targets.deployDocument.documentArn] });
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
    case 'ssm:customer-secrets': {
      fn.addEnvironment('INSTANCE_ARN_PREFIX', ec2Arn('instance').replace(/\*$/, ''));
      const customerParameters = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${CUSTOMER_PARAMETER_PREFIX.slice(1)}/*` });
      // PutParameter with Tags also needs AddTagsToResource; nothing here can read a secret back.
      allow({ actions: ['ssm:PutParameter', 'ssm:AddTagsToResource'], resources: [customerParameters] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/stackpro/customers/*]',
        reason: `${step.id}: creates each customer's secrets under /stackpro/customers/<customerId>/ (ids known only at run time) and tags them with the instance that may read them; it cannot read them.`,
      });
      break;
    }
    case 'ssm:read':
      allow({ actions: ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'], resources: ['*'] });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `${step.id}: ssm:DescribeInstanceInformation and ssm:GetCommandInvocation have no resource-level permissions (read-only).`,
      });
      break;
    case 'stripe':
      grantStripeKeys(fn, targets.stripeKeys);
      break;
    default: {
      const unknown: never = access;
      throw new Error(`Step ${step.id} declares unknown access ${String(unknown)}`);
    }
  }
}
