import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as route53 from 'aws-cdk-lib/aws-route53';
import cdkJson from '../../cdk.json';
import { CustomerInstances } from '../../lib/customer-instances';
import { CustomerTable } from '../../lib/customer-table';
import { DeployDocument } from '../../lib/deploy-document';
import { LifecycleWorkflows } from '../../lib/lifecycle-workflows';
import { ProvisioningWorkflow } from '../../lib/provisioning-workflow';
import { MAX_BILLING_RETENTION_DAYS, readSettings } from '../../lib/settings';
import { StripeKeys } from '../../lib/stripe-keys';
import { executionTimeoutSeconds, readDefinition, taskTimeouts } from '../../lib/workflow-definition';
import { CAPACITY_WAIT, DEPROVISION_CUSTOMER, PROVISION_CUSTOMER, WORKFLOWS, type WorkflowDefinition } from '../../statemachines/workflows';

describe('readDefinition', () => {
  it.each(WORKFLOWS.map((workflow) => [workflow.id, workflow]))(
    '%s: its ASL placeholders are exactly its step keys',
    (_id, workflow) => {
      expect(() => readDefinition(workflow)).not.toThrow();
    },
  );

  it('fails the synth when a step has no placeholder', () => {
    const extra = {
      ...PROVISION_CUSTOMER,
      steps: { ...PROVISION_CUSTOMER.steps, SomethingElseArn: Object.values(PROVISION_CUSTOMER.steps)[0]! },
    };
    expect(() => readDefinition(extra)).toThrow(/steps without a placeholder \[SomethingElseArn\]/);
  });

  it('fails the synth when a placeholder has no step', () => {
    expect(() => readDefinition({ ...PROVISION_CUSTOMER, steps: {} })).toThrow(/placeholders without a step \[\w+/);
  });
});

describe('taskTimeouts', () => {
  it('finds every step Task, including those inside Parallel branches, with its TimeoutSeconds', () => {
    const timeouts = taskTimeouts(PROVISION_CUSTOMER);
    expect([...timeouts.keys()].sort()).toEqual(Object.keys(PROVISION_CUSTOMER.steps).sort());
    expect(timeouts.get('LaunchInstanceFunctionArn')).toBe(60);
    expect(timeouts.get('CheckInstanceFunctionArn')).toBe(30);
  });
});

describe('executionTimeoutSeconds', () => {
  it('reads each workflow\'s top-level TimeoutSeconds (Provision: an hour of work plus the capacity wait; Deprovision outlasts the longest retention)', () => {
    expect(executionTimeoutSeconds(PROVISION_CUSTOMER)).toBe(3600 + CAPACITY_WAIT.defaultSeconds);
    expect(executionTimeoutSeconds(DEPROVISION_CUSTOMER)).toBeGreaterThan((MAX_BILLING_RETENTION_DAYS + 1) * 24 * 3600 - 1);
  });
});

describe('LifecycleWorkflows', () => {
  // Construction only (no synth): the checks throw before any template exists.
  function build(options: { retentionDays?: number; provisioning?: WorkflowDefinition } = {}) {
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Check');
    const settings = { ...readSettings(app), billingRetentionDays: options.retentionDays ?? 30 };
    const instances = new CustomerInstances(stack, 'CustomerInstances', { amiSsmParameter: settings.customerAmiSsmParameter });
    const targets = {
      table: new CustomerTable(stack, 'CustomerTable').table,
      instances,
      deployDocument: new DeployDocument(stack, 'DeployDocument', { instanceRole: instances.instanceRole, customerDomain: settings.customerDomain }),
      hostedZone: route53.HostedZone.fromHostedZoneId(stack, 'Zone', settings.hostedZoneId),
      stripeKeys: new StripeKeys(stack, 'StripeKeys'),
      // The channel steps (built in the messaging nested stack in the real app) get functions of their own here.
      messagingTable: new dynamodb.Table(stack, 'MessagingTable', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }),
      messagingSmsTopic: new sns.Topic(stack, 'SmsTopic'),
      settings,
    };
    const provisioning = new ProvisioningWorkflow(stack, 'ProvisioningWorkflow', { ...targets, workflow: options.provisioning });
    return new LifecycleWorkflows(stack, 'LifecycleWorkflows', { ...targets, provisioning });
  }

  it('refuses a retention that leaves Deprovision less than a day before its execution timeout', () => {
    expect(() => build({ retentionDays: 31 })).toThrow(/billingRetentionDays 31 leaves Deprovision less than a day/);
  });

  it('refuses a step id that means a different handler or access in another workflow', () => {
    const key = 'PointSubdomainFunctionArn';
    const changed: WorkflowDefinition = {
      ...PROVISION_CUSTOMER,
      steps: { ...PROVISION_CUSTOMER.steps, [key]: { ...PROVISION_CUSTOMER.steps[key]!, access: ['table:write', 'route53:records', 'ec2:describe'] } },
    };
    expect(() => build({ provisioning: changed })).toThrow(/ResumeCustomer step PointSubdomain differs from the step of the same id elsewhere/);
  });
});
