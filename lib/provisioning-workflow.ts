import { readFileSync } from 'node:fs';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PLANS } from '../lambdas/core/plans';
import { grantItemRead } from './customer-table';
import { MANAGED_BY_TAG, type CustomerInstances } from './customer-instances';
import type { DeployDocument } from './deploy-document';
import { PROVISION_CUSTOMER, type StepAccess, type WorkflowDefinition, type WorkflowStep } from '../statemachines/workflows';
import { stateMachineFile } from './paths';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';

/** What the workflow's steps touch. */
export interface ProvisioningWorkflowProps {
  /** The single table; each step is granted only the access its entry in the workflow table declares. */
  readonly table: dynamodb.ITable;
  /** Network, launch template and instance role of customer servers (`ec2:*` access). */
  readonly instances: CustomerInstances;
  /** The Run Command document Deploy applications sends (`ssm:deploy` access). */
  readonly deployDocument: DeployDocument;
  /** The zone holding customer records (`route53:records` access). */
  readonly hostedZone: route53.IHostedZone;
  /** Customer identities are `<slug>.<customerDomain>`; welcome emails come from `senderAddress`. */
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress'>;
  /**
   * Which workflow to build; tests may pass a smaller one.
   * @default PROVISION_CUSTOMER
   */
  readonly workflow?: WorkflowDefinition;
}

/**
 * The ASL file's text, after checking that its `${...}` placeholders are exactly the workflow's step keys,
 * so a renamed placeholder fails the synth instead of the first execution.
 */
export function readDefinition(workflow: WorkflowDefinition): string {
  const file = stateMachineFile(workflow.file);
  const text = readFileSync(file, 'utf8');
  // A syntax error names the file here rather than deep inside CloudFormation.
  const definition = JSON.parse(text) as { TimeoutSeconds?: unknown };
  if (typeof definition.TimeoutSeconds !== 'number') {
    // A Standard execution may otherwise run for a year, holding a customer in "provisioning".
    throw new Error(`${file} must set a top-level TimeoutSeconds`);
  }
  const placeholders = new Set([...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
  const keys = new Set(Object.keys(workflow.steps));
  const unknown = [...placeholders].filter((name) => !keys.has(name));
  const unused = [...keys].filter((key) => !placeholders.has(key));
  if (unknown.length > 0 || unused.length > 0) {
    throw new Error(
      `${file} and workflow ${workflow.id} disagree: placeholders without a step [${unknown.join(', ')}], ` +
        `steps without a placeholder [${unused.join(', ')}]`,
    );
  }
  return text;
}

type AslState = {
  Type?: string;
  TimeoutSeconds?: unknown;
  Parameters?: { FunctionName?: unknown };
  Branches?: { States?: Record<string, AslState> }[];
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
};

/**
 * Each step's Task `TimeoutSeconds`, keyed by substitution key, from the ASL (Parallel branches and Map
 * processors included). A Lambda must give up before its Task does, or a retry overlaps a running attempt.
 */
export function taskTimeouts(workflow: WorkflowDefinition): Map<string, number> {
  const definition = JSON.parse(readDefinition(workflow)) as { States: Record<string, AslState> };
  const timeouts = new Map<string, number>();
  const visit = (states: Record<string, AslState> | undefined): void => {
    for (const [name, state] of Object.entries(states ?? {})) {
      const key = typeof state.Parameters?.FunctionName === 'string' ? /^\$\{([^}]+)\}$/.exec(state.Parameters.FunctionName)?.[1] : undefined;
      if (state.Type === 'Task' && key) {
        if (typeof state.TimeoutSeconds !== 'number') throw new Error(`${workflow.file}: Task "${name}" must set TimeoutSeconds`);
        timeouts.set(key, Math.min(state.TimeoutSeconds, timeouts.get(key) ?? Infinity));
      }
      for (const branch of state.Branches ?? []) visit(branch.States);
      visit(state.ItemProcessor?.States);
      visit(state.Iterator?.States);
    }
  };
  visit(definition.States);
  return timeouts;
}

/**
 * Lambda timeouts per step id, each below its Task's TimeoutSeconds (checked at synth). Launch instance may
 * try RunInstances in every subnet (about 1.5 s each, plus SDK retries on throttling) within its 60 s Task.
 */
const STEP_TIMEOUTS: Readonly<Record<string, Duration>> = { LaunchInstance: Duration.seconds(45) };
/** Every other step makes one or two AWS calls and a few table writes; its Task allows 30 s. */
const DEFAULT_STEP_TIMEOUT = Duration.seconds(20);

/** The instance types plans run on: the only ones Launch instance may start (a stolen role cannot mine on a GPU). */
const PLAN_INSTANCE_TYPES = [...new Set(Object.values(PLANS).map((plan) => plan.instanceType))];

/** State machine logs are kept a little longer than function logs: support reads them for customer tickets. */
const STATE_MACHINE_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * The customer provisioning workflow: the ASL file under statemachines/ (the same one the local stack runs),
 * one small Lambda per step, and a Standard state machine (exactly-once steps, history kept for support).
 * Its timeout is the ASL's own `TimeoutSeconds` (CDK's `timeout` prop applies only to definitions built in
 * code), so the local stack and AWS enforce the same limit.
 */
export class ProvisioningWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The step functions, keyed by their ASL substitution key. */
  readonly stepFunctions: Readonly<Record<string, StackProFunction>>;

  constructor(scope: Construct, id: string, props: ProvisioningWorkflowProps) {
    super(scope, id);
    const workflow = props.workflow ?? PROVISION_CUSTOMER;

    const timeouts = taskTimeouts(workflow);
    const stepFunctions: Record<string, StackProFunction> = {};
    for (const [substitutionKey, step] of Object.entries(workflow.steps)) {
      const timeout = STEP_TIMEOUTS[step.id] ?? DEFAULT_STEP_TIMEOUT;
      const taskTimeout = timeouts.get(substitutionKey);
      if (taskTimeout !== undefined && timeout.toSeconds() >= taskTimeout) {
        throw new Error(`${step.id}: Lambda timeout ${timeout.toSeconds()} s must be below its Task's TimeoutSeconds (${taskTimeout} s)`);
      }
      const fn = new StackProFunction(this, step.id, {
        handler: step.handler,
        description: `${workflow.id} step: ${step.id}`,
        timeout,
        environment: { TABLE_NAME: props.table.tableName },
      });
      for (const access of new Set(step.access)) this.grantStepAccess(step, access, fn, props);
      stepFunctions[substitutionKey] = fn;
    }
    this.stepFunctions = stepFunctions;

    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: STATE_MACHINE_LOG_RETENTION });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (fromString) rather than fromFile, which uploads the ASL as an S3 asset: the template stays
      // self-contained and `cdk diff` shows a changed state, not just a changed asset hash.
      definitionBody: sfn.DefinitionBody.fromString(readDefinition(workflow)),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(stepFunctions).map(([key, fn]) => [key, fn.functionArn]),
      ),
      tracingEnabled: true,
      // Execution input carries customer data (PII): log every event, but never its input or output.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    // The ASL invokes each step by its unqualified ARN, so granting exactly those ARNs is enough (no `:*`).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(stepFunctions).map((fn) => fn.functionArn),
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by aws-cdk-lib for X-Ray tracing (xray:PutTraceSegments etc.) and log delivery ' +
        '(logs:CreateLogDelivery etc.), which have no resource-level permissions.',
    });
  }

  /**
   * Grants exactly what one `StepAccess` means (see its doc comments in statemachines/workflows.ts), and
   * sets the environment variables the step needs for it (names from lambdas/config.ts).
   */
  private grantStepAccess(step: WorkflowStep, access: StepAccess, fn: StackProFunction, props: ProvisioningWorkflowProps): void {
    const stack = Stack.of(this);
    const ec2Arn = (resource: string) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
    const allow = (statement: iam.PolicyStatementProps) => fn.addToRolePolicy(new iam.PolicyStatement(statement));
    const managedBy = { [`aws:RequestTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value };
    const customerIdentities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: `*.${props.settings.customerDomain}` });
    const role = fn.role!;

    switch (access) {
      case 'table:read':
        grantItemRead(props.table, fn);
        break;
      case 'table:write':
        props.table.grantWriteData(fn);
        break;
      case 'ec2:launch': {
        const { instances } = props;
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
        allow({
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn('volume')],
          conditions: { ...fromTemplate, StringEquals: managedBy },
        });
        allow({
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn('instance')],
          conditions: { ...fromTemplate, StringEquals: { ...managedBy, 'ec2:InstanceType': PLAN_INSTANCE_TYPES } },
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
          conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG.key}`]: MANAGED_BY_TAG.value } },
        });
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
          reason: 'Rollback terminates instances found by their Customer tag; only instances tagged ManagedBy=stackpro (condition).',
        });
        break;
      case 'route53:records':
        fn.addEnvironment('HOSTED_ZONE_ID', props.hostedZone.hostedZoneId);
        allow({
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [props.hostedZone.hostedZoneArn],
          conditions: {
            // Only names under the customer domain (a customer subdomain and its DKIM records), never the
            // apex or our own hosts; and no CREATE (UPSERT is idempotent).
            'ForAllValues:StringLike': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`*.${props.settings.customerDomain}`],
            },
            'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'] },
          },
        });
        allow({ actions: ['route53:ListResourceRecordSets'], resources: [props.hostedZone.hostedZoneArn] });
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
        this.acknowledgeCustomerIdentities(role, props, 'create customer subdomain identities (and tag them)');
        break;
      case 'ses:read-identity':
        allow({ actions: ['ses:GetEmailIdentity'], resources: [customerIdentities] });
        this.acknowledgeCustomerIdentities(role, props, 'read the verification status of customer subdomain identities');
        break;
      case 'ses:delete-identity':
        allow({ actions: ['ses:DeleteEmailIdentity'], resources: [customerIdentities] });
        this.acknowledgeCustomerIdentities(role, props, 'delete customer subdomain identities on rollback');
        break;
      case 'ses:send': {
        const sender = props.settings.senderAddress;
        fn.addEnvironment('SENDER_ADDRESS', sender);
        allow({
          actions: ['ses:SendEmail'],
          resources: [sender, sender.slice(sender.indexOf('@') + 1)].map((identity) =>
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
          ),
          conditions: { StringEquals: { 'ses:FromAddress': sender } },
        });
        break;
      }
      case 'ssm:deploy':
        fn.addEnvironment('DEPLOY_DOCUMENT_NAME', props.deployDocument.documentName);
        allow({ actions: ['ssm:SendCommand'], resources: [props.deployDocument.documentArn] });
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
      case 'ssm:read':
        allow({ actions: ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'], resources: ['*'] });
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${step.id}: ssm:DescribeInstanceInformation and ssm:GetCommandInvocation have no resource-level permissions (read-only).`,
        });
        break;
      default: {
        const unknown: never = access;
        throw new Error(`Step ${step.id} declares unknown access ${String(unknown)}`);
      }
    }
  }

  private acknowledgeCustomerIdentities(role: iam.IRole, props: ProvisioningWorkflowProps, what: string): void {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*.${props.settings.customerDomain}]`,
      reason: `Each customer gets its own subdomain identity, made at provisioning time; the grant is limited to ${what} under the customer domain.`,
    });
  }

  /** Lets a function start executions (and nothing else); it also needs PROVISIONING_STATE_MACHINE_ARN. */
  grantStart(grantable: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantable);
  }
}
