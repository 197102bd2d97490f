import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { AccountApi } from './account-api';
import { AlarmTopic } from './alarm-topic';
import { BillingAlarms } from './billing-alarms';
import { ClientRateLimits } from './client-rate-limits';
import { CustomerBackups } from './customer-backups';
import { CustomerInstances } from './customer-instances';
import { CustomerTable } from './customer-table';
import { DeployDocument } from './deploy-document';
import { FleetUpdateStack } from './fleet-update-stack';
import { LifecycleAlarms } from './lifecycle-alarms';
import { LifecycleWorkflows } from './lifecycle-workflows';
import { OperationsMonitoring } from './operations-monitoring';
import { ProvisioningAlarms } from './provisioning-alarms';
import { ProvisioningWorkflow } from './provisioning-workflow';
import { RestoreWorkflowStack } from './restore-workflow-stack';
import { ScheduledJobs } from './scheduled-jobs';
import { readSettings, type StackProSettings } from './settings';
import { SigningKey } from './signing-key';
import { StripeKeys } from './stripe-keys';
import { ResizeWorkflowStack } from './resize-workflow-stack';
import { ROUTES } from '../lambdas/api/routes';
import { FLEET_UPDATE, PROVISION_CUSTOMER, RESIZE_CUSTOMER, RESTORE_CUSTOMER } from '../statemachines/workflows';
import { StoppedExecutionRecovery } from './stopped-executions';
import { MessagingStack } from './messaging-stack';

/** Deployment settings can be passed in (tests); otherwise they are read from CDK context. */
export interface StackProStackProps extends StackProps {
  /** @default - read from CDK context by readSettings */
  readonly settings?: StackProSettings;
}

/**
 * The StackPro control plane: the customer table, the JWT signing key, the Stripe keys, the network and
 * launch template of customer servers with their deploy document, the provisioning and billing lifecycle
 * (suspend, resume, deprovision) workflows with their alarms, and the account API. Environment-agnostic (no
 * account or region), so `cdk synth` runs offline without credentials.
 */
export class StackProStack extends Stack {
  readonly customerTable: CustomerTable;
  readonly signingKey: SigningKey;
  readonly stripeKeys: StripeKeys;
  readonly customerInstances: CustomerInstances;
  readonly customerBackups: CustomerBackups;
  readonly deployDocument: DeployDocument;
  readonly provisioning: ProvisioningWorkflow;
  readonly alarmTopic: AlarmTopic;
  readonly provisioningAlarms: ProvisioningAlarms;
  readonly lifecycle: LifecycleWorkflows;
  readonly lifecycleAlarms: LifecycleAlarms;
  /** The plan-change resize, in its own nested stack (its state machine, steps, logs and alarms). */
  readonly resize: ResizeWorkflowStack;
  readonly accountApi: AccountApi;
  readonly scheduledJobs: ScheduledJobs;
  readonly billingAlarms: BillingAlarms;
  readonly clientRateLimits: ClientRateLimits;
  readonly operationsMonitoring: OperationsMonitoring;
  readonly stoppedExecutionRecovery: StoppedExecutionRecovery;
  readonly messaging: MessagingStack;
  /** The RestoreCustomer workflow, in a nested stack of its own (this stack's resource budget). */
  readonly restoreWorkflow: RestoreWorkflowStack;
  readonly fleetUpdate: FleetUpdateStack;

  constructor(scope: Construct, id: string, props: StackProStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this);

    this.customerTable = new CustomerTable(this, 'CustomerTable');
    this.signingKey = new SigningKey(this, 'SigningKey', { rotationDays: settings.signingKeyRotationDays });
    this.stripeKeys = new StripeKeys(this, 'StripeKeys');
    this.customerInstances = new CustomerInstances(this, 'CustomerInstances', {
      amiSsmParameter: settings.customerAmiSsmParameter,
    });
    // Daily AWS Backup of customer volumes, selected by tag, kept by plan.
    this.customerBackups = new CustomerBackups(this, 'CustomerBackups');
    this.deployDocument = new DeployDocument(this, 'DeployDocument', {
      instanceRole: this.customerInstances.instanceRole,
      customerDomain: settings.customerDomain,
    });
    // By id only: the zone may be a parent of customerDomain, and steps need nothing but its id and ARN.
    const hostedZone = route53.HostedZone.fromHostedZoneId(this, 'CustomerHostedZone', settings.hostedZoneId);
    const stepTargets = {
      table: this.customerTable.table,
      instances: this.customerInstances,
      deployDocument: this.deployDocument,
      hostedZone,
      stripeKeys: this.stripeKeys,
      settings,
    };
    // Every alarm notifies one topic; it was born inside ProvisioningAlarms and keeps its logical ids from there.
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { alarmEmail: settings.alarmEmail, legacyPath: ['ProvisioningAlarms'] });
    // Messaging in its own nested stack (resource budget): its table, inbound topics and functions, the
    // functions of the /messaging routes (whose methods the account API adds here), and the channel steps
    // the workflows below invoke by ARN. Built before them, and it references none of them (no cycle).
    this.messaging = new MessagingStack(this, 'Messaging', { customerTable: this.customerTable.table, stripeKeys: this.stripeKeys, settings, alarmTopic: this.alarmTopic.topic, signingKey: this.signingKey });
    this.provisioning = new ProvisioningWorkflow(this, 'ProvisioningWorkflow', {
      ...stepTargets,
      capacityWaitHours: settings.capacityWaitHours,
      sharedStepFunctions: this.messaging.operations.stepFunctions,
    });
    // After provisioning: the lifecycle workflows reuse its step functions (DNS, email identity, terminate).
    this.lifecycle = new LifecycleWorkflows(this, 'LifecycleWorkflows', { ...stepTargets, provisioning: this.provisioning });
    // Restore from a recovery point: its own nested stack, reusing provisioning's and the lifecycle's step functions.
    this.restoreWorkflow = new RestoreWorkflowStack(this, RESTORE_CUSTOMER.deployedIn, {
      ...stepTargets,
      provisioning: this.provisioning,
      lifecycle: this.lifecycle,
      backups: this.customerBackups,
    });
    // Rolling app versions to the fleet in waves: its own nested stack (the main one stays under 500 resources).
    this.fleetUpdate = new FleetUpdateStack(this, FLEET_UPDATE.deployedIn, stepTargets);
    this.provisioningAlarms = new ProvisioningAlarms(this, 'ProvisioningAlarms', {
      stateMachine: this.provisioning.stateMachine,
      topic: this.alarmTopic.topic,
    });
    // A new workflow goes in a nested stack of its own (the main stack's resource budget), the construct id its
    // definition names (`deployedIn`, statemachines/workflows.ts); the resize reuses Point subdomain.
    this.resize = new ResizeWorkflowStack(this, RESIZE_CUSTOMER.deployedIn, { ...stepTargets, provisioning: this.provisioning, topic: this.alarmTopic.topic });
    this.lifecycleAlarms = new LifecycleAlarms(this, 'LifecycleAlarms', {
      stateMachines: this.lifecycle.stateMachines,
      topic: this.alarmTopic.topic,
    });
    this.billingAlarms = new BillingAlarms(this, 'BillingAlarms', { topic: this.alarmTopic.topic });
    // Last: its routes start the provisioning and lifecycle state machines.
    this.accountApi = new AccountApi(this, 'AccountApi', {
      messaging: this.messaging,
      table: this.customerTable.table,
      signingKey: this.signingKey,
      provisioning: this.provisioning,
      stripeKeys: this.stripeKeys,
      lifecycle: this.lifecycle,
      resize: this.resize,
      backups: this.customerBackups,
      restore: this.restoreWorkflow,
      fleetUpdate: this.fleetUpdate.stateMachine,
      settings,
    });
    this.clientRateLimits = new ClientRateLimits(this, 'ClientRateLimits', {
      stage: this.accountApi.api.deploymentStage,
      frontendOrigin: settings.frontendOrigin,
    });

    // The EventBridge schedules of lambdas/scheduled/jobs.ts: abandoned signups, the daily billing sweeps.
    this.scheduledJobs = new ScheduledJobs(this, 'ScheduledJobs', {
      table: this.customerTable.table,
      stripeKeys: this.stripeKeys,
      lifecycle: this.lifecycle,
      provisioning: this.provisioning,
      topic: this.alarmTopic.topic,
      settings,
    });

    // No customer in limbo: executions stopped, timed out or aborted are cleaned up or run again.
    this.stoppedExecutionRecovery = new StoppedExecutionRecovery(this, 'StoppedExecutionRecovery', {
      ...stepTargets,
      messagingTable: this.messaging.messagingTable.table,
      provisioning: this.provisioning,
      lifecycle: this.lifecycle,
      resize: this.resize,
      topic: this.alarmTopic.topic,
      restore: this.restoreWorkflow,
      fleetUpdate: this.fleetUpdate.stateMachine,
    });

    // The operators' alarms and dashboard (README "Monitoring"); every alarm in the stack shows in its status widget.
    const webhookRoute = ROUTES.find((route) => route.id === 'ReceiveStripeWebhook');
    if (!webhookRoute) throw new Error('The route table has no ReceiveStripeWebhook route');
    this.operationsMonitoring = new OperationsMonitoring(this, 'OperationsMonitoring', {
      topic: this.alarmTopic.topic,
      api: this.accountApi.api,
      webhookRoute: { method: webhookRoute.method, path: webhookRoute.path },
      stateMachines: { [PROVISION_CUSTOMER.id]: this.provisioning.stateMachine, ...this.lifecycle.stateMachines, [FLEET_UPDATE.id]: this.fleetUpdate.stateMachine },
    });
    // Its alarms live in its nested stack; the dashboard draws its failures beside the others.
    this.operationsMonitoring.chartWorkflow(RESIZE_CUSTOMER.id, this.resize.stateMachine);
    this.operationsMonitoring.watchWorkflow(RESTORE_CUSTOMER.id, this.restoreWorkflow.stateMachine);
    // A fleet update that stopped on its error budget fails its execution: operators hear of it.
    this.operationsMonitoring.watchWorkflow(FLEET_UPDATE.id, this.fleetUpdate.stateMachine);

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the account API (the frontend calls this)',
      value: this.accountApi.url,
    });
    new CfnOutput(this, 'ProvisioningStateMachineArn', {
      description: 'The customer provisioning state machine (operators start and inspect executions here)',
      value: this.provisioning.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AdminPolicyArn', {
      description: 'Attach to an operator role to allow the admin API routes (e.g. provisioning retry)',
      value: this.accountApi.adminPolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Provisioning and lifecycle alarms are published here (subscribe on-call tooling or set stackpro:alarmEmail)',
      value: this.alarmTopic.topic.topicArn,
    });
    new CfnOutput(this, 'StripeKeysSecretArn', {
      description: 'Put the Stripe keys here once after the first deploy: JSON {secretKey, webhookSecret} (see lib/stripe-keys.ts)',
      value: this.stripeKeys.secret.secretArn,
    });
    new CfnOutput(this, 'SigningKeySecretArn', {
      description: 'The JWT signing key: rotate it now with `npm run admin -- rotate-signing-key --secret-id <this ARN>`',
      value: this.signingKey.secret.secretArn,
    });
    new CfnOutput(this, 'SigningKeyRotationPolicyArn', {
      description: 'Attach to an operator role to allow rotate-signing-key (RotateSecret only; no read of the key)',
      value: this.signingKey.rotationPolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'The operations dashboard in the CloudWatch console: signups, provisionings in flight, failures, latencies, customers by plan',
      value: this.operationsMonitoring.dashboard.dashboardName,
    });
    new CfnOutput(this, 'StripeWebhookUrl', {
      description: 'Register this endpoint in the Stripe dashboard (Developers > Webhooks); its signing secret is webhookSecret',
      value: this.accountApi.urlOf('ReceiveStripeWebhook'),
    });
  }
}
