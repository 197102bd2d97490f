/**
 * The Step Functions workflows: which ASL file each is, and which step handler each `${...}FunctionArn`
 * substitution in that file stands for. CDK creates one function per step, substitutes its ARN and grants
 * exactly the step's `access`; the local stack runs the same file and invokes the same handlers in-process.
 *
 * `handler` is a path under `lambdas/` without its extension; that module exports `handler`.
 */
export type StepAccess =
  /** GetItem/Query (no Scan) on the table. */
  | 'table:read'
  /** PutItem/UpdateItem/DeleteItem on the table (every step writes its progress). */
  | 'table:write'
  /** RunInstances from the customer launch template (and PassRole of its instance profile), CreateTags on launch. */
  | 'ec2:launch'
  /** DescribeInstances. */
  | 'ec2:describe'
  /** TerminateInstances, only on instances tagged ManagedBy=stackpro. */
  | 'ec2:terminate'
  /** ChangeResourceRecordSets and ListResourceRecordSets on the customer hosted zone. */
  | 'route53:records'
  /** GetChange. */
  | 'route53:get-change'
  /** CreateEmailIdentity, GetEmailIdentity, TagResource on identities. */
  | 'ses:create-identity'
  /** GetEmailIdentity. */
  | 'ses:read-identity'
  /** DeleteEmailIdentity. */
  | 'ses:delete-identity'
  /** SendEmail from the sender address. */
  | 'ses:send'
  /** SendCommand with the deploy document on instances tagged ManagedBy=stackpro. */
  | 'ssm:deploy'
  /** DescribeInstanceInformation and GetCommandInvocation. */
  | 'ssm:read';

export interface WorkflowStep {
  /** Stable PascalCase id: the CDK construct id of the step's function (never rename it). */
  readonly id: string;
  readonly handler: string;
  readonly access: readonly StepAccess[];
}

export interface WorkflowDefinition {
  /** Stable PascalCase id: the CDK construct id and the local state machine name. */
  readonly id: string;
  /** File name under `statemachines/`. */
  readonly file: string;
  /** Substitution key in the ASL file (without `${}`) to the step it invokes. */
  readonly steps: Readonly<Record<string, WorkflowStep>>;
}

const step = (id: string, handler: string, access: StepAccess[]): [string, WorkflowStep] => [
  `${id}FunctionArn`,
  { id, handler: `provisioning/${handler}`, access: ['table:write', ...access] },
];

export const PROVISION_CUSTOMER: WorkflowDefinition = {
  id: 'ProvisionCustomer',
  file: 'provision-customer.asl.json',
  steps: Object.fromEntries([
    step('StartProvisioning', 'start-provisioning', ['table:read']),
    step('LaunchInstance', 'launch-instance', ['ec2:launch', 'ec2:describe']),
    step('CheckInstance', 'check-instance', ['ec2:describe']),
    step('CreateEmailIdentity', 'create-email-identity', ['ses:create-identity']),
    step('PublishDkimRecords', 'publish-dkim-records', ['route53:records']),
    step('PointSubdomain', 'point-subdomain', ['route53:records']),
    step('CheckDnsChange', 'check-dns-change', ['route53:get-change']),
    step('CheckSsmAgent', 'check-ssm-agent', ['ssm:read']),
    step('DeployApplications', 'deploy-applications', ['table:read', 'ssm:deploy']),
    step('CheckDeployment', 'check-deployment', ['ssm:read']),
    step('ActivateCustomer', 'activate-customer', ['ses:read-identity']),
    step('SendWelcomeEmail', 'send-welcome-email', ['table:read', 'ses:send']),
    step('CheckEmailVerification', 'check-email-verification', ['table:read', 'ses:read-identity']),
    step('RemoveDnsRecords', 'remove-dns-records', ['route53:records']),
    step('DeleteEmailIdentity', 'delete-email-identity', ['ses:delete-identity']),
    step('TerminateInstances', 'terminate-instances', ['ec2:describe', 'ec2:terminate']),
    step('MarkProvisioningFailed', 'mark-provisioning-failed', ['table:read']),
  ]),
};

export const WORKFLOWS: readonly WorkflowDefinition[] = [PROVISION_CUSTOMER];
