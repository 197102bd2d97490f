/**
 * The Step Functions workflows: which ASL file each is, and which step handler each `${...}FunctionArn`
 * substitution in that file stands for. CDK creates one function per step, substitutes its ARN and grants
 * exactly the step's `access`; the local stack runs the same file and invokes the same handlers in-process.
 *
 * `handler` is a path under `lambdas/` without its extension; that module exports `handler`. A step id
 * means one handler with one access list in every workflow that lists it (the lifecycle workflows reuse
 * provisioning's DNS, email-identity and terminate steps, and share their email and failure steps).
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
  | 'ssm:read'
  /**
   * PutParameter (SecureString, tagged on creation) and AddTagsToResource on the customer parameters
   * (`/stackpro/customers/*`): creates a customer's secrets and tags them with the instance that may read them.
   */
  | 'ssm:customer-secrets'
  /** StopInstances and StartInstances, only on instances tagged ManagedBy=stackpro (suspend and resume). */
  | 'ec2:stop-start'
  /**
   * CreateSnapshot of volumes tagged ManagedBy=stackpro into snapshots that must carry ManagedBy=stackpro
   * (request tag), CreateTags on snapshots only as part of CreateSnapshot, and DescribeSnapshots.
   */
  | 'ec2:snapshot'
  /** GetSecretValue on the Stripe keys secret (the calls themselves go to Stripe over HTTPS). */
  | 'stripe'
  /**
   * ModifyInstanceAttribute (instance type, only to a plan's type) on instances tagged ManagedBy=stackpro
   * (the resize, and putting the previous type back).
   */
  | 'ec2:modify-instance-type'
  /** ModifyVolume, DescribeVolumes and DescribeVolumesModifications on volumes tagged ManagedBy=stackpro. */
  | 'ec2:modify-volume'
  /** SendCommand with AWS-RunShellScript on instances tagged ManagedBy=stackpro (growing the file system, checking the apps answer). */
  | 'ssm:run-shell'
  /**
   * StartRestoreJob into the customer vault (passing only AWS Backup's role, only to backup.amazonaws.com),
   * DescribeRestoreJob and DescribeRecoveryPoint: restores a recovery point to a new EBS volume.
   */
  | 'backup:restore'
  /**
   * DescribeVolumes, and AttachVolume / DetachVolume only of volumes and instances tagged ManagedBy=stackpro
   * (restore swaps a customer's data volume), ModifyInstanceAttribute of such instances (DeleteOnTermination).
   */
  | 'ec2:swap-volume'
  /** DeleteVolume, only of volumes tagged ManagedBy=stackpro (the volume a restore replaced or rolled back). */
  | 'ec2:delete-volume'
  /** Query on the CustomersByStatus index (the fleet update's selection of active customers). */
  | 'customers:list'
  /** GetItem/Query on the messaging table (channels, the WhatsApp pool), with MESSAGING_TABLE_NAME. */
  | 'messaging:read'
  /** PutItem/UpdateItem/DeleteItem/TransactWriteItems on the messaging table (routing, pool claims, history markers). */
  | 'messaging:write'
  /**
   * RequestPhoneNumber only with the tags ManagedBy=stackpro (request tag), TagResource only as part of it, and
   * UpdatePhoneNumber (two-way) only on numbers tagged ManagedBy=stackpro; MESSAGING_SMS_TOPIC_ARN.
   */
  | 'sms:request-number'
  /** ReleasePhoneNumber, only on numbers tagged ManagedBy=stackpro. */
  | 'sms:release-number';

export interface WorkflowStep {
  /** Stable PascalCase id: the CDK construct id of the step's function (never rename it). */
  readonly id: string;
  readonly handler: string;
  readonly access: readonly StepAccess[];
}

/**
 * Where CDK builds a workflow: `main` (the main stack: lib/provisioning-workflow.ts, lib/lifecycle-workflows.ts),
 * or the construct id of its own nested stack, created from lib/stackpro-stack.ts (a new workflow gets its own:
 * the main template is near CloudFormation's 500-resource limit). The local stack runs every workflow alike.
 */
export type WorkflowStack = 'main' | 'ResizeWorkflow' | 'RestoreWorkflow' | 'FleetUpdate';

export interface WorkflowDefinition<Id extends string = string> {
  /** Stable PascalCase id: the CDK construct id and the local state machine name. */
  readonly id: Id;
  /** File name under `statemachines/`. */
  readonly file: string;
  /** Where CDK builds its state machine and step functions. */
  readonly deployedIn: WorkflowStack;
  /** The variable (lambdas/config.ts) that carries its state machine's ARN to a function that starts or watches it. */
  readonly arnVariable: string;
  /** Substitution key in the ASL file (without `${}`) to the step it invokes. */
  readonly steps: Readonly<Record<string, WorkflowStep>>;
  /**
   * Placeholders for bounded waits a deployment sets, in seconds (CDK context; locally env vars): each is
   * substituted as a string where the ASL passes it to a step, and added to the execution's TimeoutSeconds,
   * which must outlast the wait.
   */
  readonly waits?: Readonly<Record<string, WorkflowWait>>;
}

export interface WorkflowWait {
  readonly defaultSeconds: number;
  readonly maxSeconds: number;
}

/**
 * How long a customer whose server EC2 cannot give us yet (vCPU quota, no capacity in any subnet, no public
 * address) waits as `waiting_for_capacity` before provisioning rolls back. CDK context `capacityWaitHours`.
 */
export const CAPACITY_WAIT: WorkflowWait = { defaultSeconds: 24 * 3600, maxSeconds: 7 * 24 * 3600 };

/** A definition, its id kept as a literal type (WorkflowId). */
function workflow<const Id extends string>(definition: WorkflowDefinition<Id>): WorkflowDefinition<Id> {
  return definition;
}

const step = (id: string, handler: string, access: StepAccess[]): [string, WorkflowStep] => [
  `${id}FunctionArn`,
  { id, handler: `provisioning/${handler}`, access: ['table:write', ...access] },
];

/**
 * The messaging channel steps (lambdas/messaging/): their functions live in the messaging nested stack
 * (lib/messaging-operations.ts) and every workflow that lists them invokes those (MESSAGING_STEP_IDS).
 */
const ALLOCATE_MESSAGING_CHANNELS: [string, WorkflowStep] = [
  'AllocateMessagingChannelsFunctionArn',
  { id: 'AllocateMessagingChannels', handler: 'messaging/allocate-messaging-channels', access: ['table:read', 'table:write', 'messaging:read', 'messaging:write', 'sms:request-number'] },
];
const RELEASE_MESSAGING_CHANNELS: [string, WorkflowStep] = [
  'ReleaseMessagingChannelsFunctionArn',
  { id: 'ReleaseMessagingChannels', handler: 'messaging/release-messaging-channels', access: ['table:read', 'table:write', 'messaging:read', 'messaging:write', 'sms:release-number'] },
];
/** Step ids whose functions the messaging nested stack builds (not the workflow that lists them). */
export const MESSAGING_STEPS: readonly WorkflowStep[] = [ALLOCATE_MESSAGING_CHANNELS[1], RELEASE_MESSAGING_CHANNELS[1]];

export const PROVISION_CUSTOMER = workflow({
  id: 'ProvisionCustomer',
  file: 'provision-customer.asl.json',
  deployedIn: 'main',
  arnVariable: 'PROVISIONING_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    step('StartProvisioning', 'start-provisioning', ['table:read']),
    step('LaunchInstance', 'launch-instance', ['ec2:launch', 'ec2:describe']),
    step('CheckInstance', 'check-instance', ['ec2:describe']),
    step('CreateEmailIdentity', 'create-email-identity', ['ses:create-identity']),
    step('PublishDkimRecords', 'publish-dkim-records', ['route53:records']),
    step('PointSubdomain', 'point-subdomain', ['route53:records']),
    step('CheckDnsChange', 'check-dns-change', ['route53:get-change']),
    step('CheckSsmAgent', 'check-ssm-agent', ['ssm:read']),
    step('DeployApplications', 'deploy-applications', ['table:read', 'ssm:customer-secrets', 'ssm:deploy']),
    step('CheckDeployment', 'check-deployment', ['ssm:read']),
    step('ActivateCustomer', 'activate-customer', ['ses:read-identity']),
    step('SendWelcomeEmail', 'send-welcome-email', ['table:read', 'ses:send']),
    step('RemoveDnsRecords', 'remove-dns-records', ['route53:records']),
    step('DeleteEmailIdentity', 'delete-email-identity', ['ses:delete-identity']),
    step('TerminateInstances', 'terminate-instances', ['ec2:describe', 'ec2:terminate']),
    step('MarkProvisioningFailed', 'mark-provisioning-failed', ['table:read']),
    ['SetUpBillingFunctionArn', { id: 'SetUpBilling', handler: 'billing/set-up-billing', access: ['table:read', 'table:write', 'stripe'] }],
    ['CancelSubscriptionFunctionArn', { id: 'CancelSubscription', handler: 'billing/cancel-subscription', access: ['table:read', 'table:write', 'stripe'] }],
    ALLOCATE_MESSAGING_CHANNELS,
    RELEASE_MESSAGING_CHANNELS,
  ]),
  waits: { CapacityWaitSeconds: CAPACITY_WAIT },
});

/** A step of the billing lifecycle workflows (suspend, resume, deprovision), under `lambdas/lifecycle/`. */
const lifecycleStep = (id: string, handler: string, access: StepAccess[]): [string, WorkflowStep] => [
  `${id}FunctionArn`,
  { id, handler: `lifecycle/${handler}`, access: ['table:write', ...access] },
];

/**
 * A provisioning step another workflow invokes too, as the very same entry (same id, handler and access),
 * so CDK may share one function or create one per workflow; either way a step id means one handler.
 */
const reused = (id: string): [string, WorkflowStep] => {
  const key = `${id}FunctionArn`;
  const found = PROVISION_CUSTOMER.steps[key];
  if (!found) throw new Error(`${id} is not a ProvisionCustomer step`);
  return [key, found];
};

/** In all three lifecycle workflows: the customer email (suspended, resumed, cancelled) and the failure record. */
const SEND_LIFECYCLE_EMAIL = lifecycleStep('SendLifecycleEmail', 'send-lifecycle-email', ['table:read', 'ses:send']);
const RECORD_LIFECYCLE_FAILURE = lifecycleStep('RecordLifecycleFailure', 'record-lifecycle-failure', ['table:read']);

/** Stops a customer's instance for billing (data kept). Input `{customerId, reason}`. */
export const SUSPEND_CUSTOMER = workflow({
  id: 'SuspendCustomer',
  file: 'suspend-customer.asl.json',
  deployedIn: 'main',
  arnVariable: 'SUSPEND_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    lifecycleStep('StopInstance', 'stop-instance', ['table:read', 'ec2:describe', 'ec2:stop-start']),
    lifecycleStep('CheckInstanceStopped', 'check-instance-stopped', ['table:read', 'ec2:describe', 'ec2:stop-start']),
    lifecycleStep('ParkSubdomain', 'park-subdomain', ['table:read', 'route53:records']),
    lifecycleStep('MarkCustomerSuspended', 'mark-customer-suspended', ['table:read']),
    SEND_LIFECYCLE_EMAIL,
    RECORD_LIFECYCLE_FAILURE,
  ]),
});

/** Starts a suspended customer's instance again and points the subdomain at its new IP. Input `{customerId}`. */
export const RESUME_CUSTOMER = workflow({
  id: 'ResumeCustomer',
  file: 'resume-customer.asl.json',
  deployedIn: 'main',
  arnVariable: 'RESUME_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    lifecycleStep('StartInstance', 'start-instance', ['table:read', 'ec2:describe', 'ec2:stop-start']),
    lifecycleStep('CheckInstanceStarted', 'check-instance-started', ['table:read', 'ec2:describe', 'ec2:stop-start']),
    reused('PointSubdomain'),
    reused('CheckDnsChange'),
    lifecycleStep('MarkCustomerActive', 'mark-customer-active', ['table:read', 'ses:read-identity']),
    SEND_LIFECYCLE_EMAIL,
    RECORD_LIFECYCLE_FAILURE,
  ]),
});

/**
 * After the retention period, backs up and removes a cancelled customer's stack; the account record and
 * the final snapshot stay. Input `{customerId, retentionSeconds}`.
 */
export const DEPROVISION_CUSTOMER = workflow({
  id: 'DeprovisionCustomer',
  file: 'deprovision-customer.asl.json',
  deployedIn: 'main',
  arnVariable: 'DEPROVISION_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    lifecycleStep('CheckStillCancelled', 'check-still-cancelled', ['table:read']),
    lifecycleStep('SnapshotDataVolume', 'snapshot-data-volume', ['table:read', 'ec2:describe', 'ec2:snapshot']),
    lifecycleStep('CheckSnapshot', 'check-snapshot', ['table:read', 'ec2:snapshot']),
    reused('TerminateInstances'),
    reused('RemoveDnsRecords'),
    reused('DeleteEmailIdentity'),
    reused('ReleaseMessagingChannels'),
    lifecycleStep('MarkCustomerCancelled', 'mark-customer-cancelled', ['table:read']),
    SEND_LIFECYCLE_EMAIL,
    RECORD_LIFECYCLE_FAILURE,
  ]),
});

/** A step of the resize workflow, under `lambdas/resize/`. */
const resizeStep = (id: string, handler: string, access: StepAccess[]): [string, WorkflowStep] => [
  `${id}FunctionArn`,
  { id, handler: `resize/${handler}`, access: ['table:write', ...access] },
];

/**
 * Resizes a customer's server to a confirmed plan change (the webhook starts it). Input
 * `{customerId, changeId, fromPlan, toPlan}`; execution `resize-<plan>-<customerId>-<changeId>`. The
 * stopped-execution handler runs a stopped one again as `<name>-rerun` with `error` set: it only puts back.
 * Its own nested stack (lib/resize-workflow-stack.ts).
 */
export const RESIZE_CUSTOMER = workflow({
  id: 'ResizeCustomer',
  file: 'resize-customer.asl.json',
  deployedIn: 'ResizeWorkflow',
  arnVariable: 'RESIZE_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    resizeStep('FindInstance', 'find-instance', ['table:read', 'ec2:describe']),
    resizeStep('SnapshotBeforeResize', 'snapshot-before-resize', ['ec2:snapshot']),
    resizeStep('GrowVolume', 'grow-volume', ['ec2:modify-volume']),
    resizeStep('StopInstanceForResize', 'stop-instance', ['ec2:describe', 'ec2:stop-start']),
    resizeStep('ChangeInstanceType', 'change-instance-type', ['ec2:describe', 'ec2:modify-instance-type']),
    resizeStep('StartInstanceAfterResize', 'start-instance', ['ec2:describe', 'ec2:stop-start']),
    reused('PointSubdomain'),
    resizeStep('GrowFileSystem', 'grow-file-system', ['ssm:run-shell', 'ssm:read']),
    resizeStep('CheckAppsAnswer', 'check-apps-answer', ['table:read', 'ssm:run-shell', 'ssm:read']),
    resizeStep('CompletePlanChange', 'complete-plan-change', ['table:read', 'ses:send']),
    reused('AllocateMessagingChannels'),
    reused('ReleaseMessagingChannels'),
    resizeStep('RestorePreviousType', 'restore-previous-type', ['ec2:describe', 'ec2:stop-start', 'ec2:modify-instance-type']),
    resizeStep('PutBackPreviousPrice', 'put-back-previous-price', ['table:read', 'stripe']),
    resizeStep('RecordResizeFailure', 'record-resize-failure', ['table:read']),
  ]),
});

/** A step of the restore workflow, under `lambdas/restore/`. */
const restoreStep = (id: string, handler: string, access: StepAccess[]): [string, WorkflowStep] => [
  `${id}FunctionArn`,
  { id, handler: `restore/${handler}`, access: ['table:read', 'table:write', ...access] },
];

/** A suspend/resume step the restore workflow invokes too, as the very same entry. */
const reusedLifecycle = (id: string): [string, WorkflowStep] => {
  const key = `${id}FunctionArn`;
  const found = [SUSPEND_CUSTOMER, RESUME_CUSTOMER].map((workflow) => workflow.steps[key]).find((step) => step !== undefined);
  if (!found) throw new Error(`${id} is not a suspend or resume step`);
  return [key, found];
};

/**
 * Brings a customer back from one of its recovery points onto a new volume, keeps the old volume until the
 * restored server passes its check, and puts the old one back if it does not. Input `{customerId,
 * recoveryPointId}`; `{customerId, rollBackOnly: true}` runs only the roll-back (started by the
 * stopped-execution handler when a restore was stopped midway). Its own nested stack (lib/restore-workflow-stack.ts).
 */
export const RESTORE_CUSTOMER = workflow({
  id: 'RestoreCustomer',
  file: 'restore-customer.asl.json',
  deployedIn: 'RestoreWorkflow',
  arnVariable: 'RESTORE_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    restoreStep('StartRestoreJob', 'start-restore-job', ['ec2:describe', 'backup:restore']),
    restoreStep('CheckRestoreJob', 'check-restore-job', ['backup:restore', 'ec2:swap-volume']),
    restoreStep('StopForRestore', 'stop-for-restore', ['ec2:describe', 'ec2:stop-start']),
    reusedLifecycle('CheckInstanceStopped'),
    restoreStep('DetachVolume', 'detach-volume', ['ec2:swap-volume']),
    restoreStep('AttachVolume', 'attach-volume', ['ec2:swap-volume']),
    reusedLifecycle('StartInstance'),
    reusedLifecycle('CheckInstanceStarted'),
    reused('PointSubdomain'),
    reused('CheckDnsChange'),
    reused('CheckSsmAgent'),
    reused('DeployApplications'),
    reused('CheckDeployment'),
    restoreStep('DeleteVolume', 'delete-volume', ['ec2:swap-volume', 'ec2:delete-volume']),
    restoreStep('FinishRestore', 'finish-restore', []),
    reusedLifecycle('SendLifecycleEmail'),
  ]),
});


/** A step of the fleet update, under `lambdas/fleet/`; every one records into the update's report. */
const fleetStep = (id: string, handler: string, access: StepAccess[]): [string, WorkflowStep] => [
  `${id}FunctionArn`,
  { id, handler: `fleet/${handler}`, access: ['table:read', 'table:write', ...access] },
];

/**
 * Rolls app version N to the selected active customers in waves (README "Fleet update"). Input
 * `{updateId, version, maxConcurrent, maxFailures}`; the update's record (POST /admin/fleet-updates) holds
 * the target and receives the report. Its own nested stack (lib/fleet-update-stack.ts).
 */
export const FLEET_UPDATE = workflow({
  id: 'FleetUpdate',
  file: 'fleet-update.asl.json',
  deployedIn: 'FleetUpdate',
  arnVariable: 'FLEET_UPDATE_STATE_MACHINE_ARN',
  steps: Object.fromEntries([
    fleetStep('SelectFleetTargets', 'select-fleet-targets', ['customers:list']),
    fleetStep('StartCustomerUpdate', 'start-customer-update', ['ssm:deploy']),
    fleetStep('CheckAppUpdate', 'check-app-update', ['ssm:read']),
    fleetStep('RollBackCustomerUpdate', 'roll-back-customer-update', ['ssm:deploy']),
    fleetStep('FinishCustomerUpdate', 'finish-customer-update', []),
    fleetStep('FinishFleetUpdate', 'finish-fleet-update', []),
  ]),
});

/**
 * Every workflow, wherever CDK builds it (`deployedIn`): what the local stack registers, CDK and the tests
 * iterate, and what a step's `workflowId` (the status route's workflow name) can be.
 */
export const WORKFLOWS = [PROVISION_CUSTOMER, SUSPEND_CUSTOMER, RESUME_CUSTOMER, DEPROVISION_CUSTOMER, RESIZE_CUSTOMER, RESTORE_CUSTOMER, FLEET_UPDATE] as const;

/** A workflow's stable id, as steps record it and the status route shows it. */
export type WorkflowId = (typeof WORKFLOWS)[number]['id'];

/** The workflows CDK builds in one place: the main stack, or one nested stack. */
export function workflowsIn(stack: WorkflowStack): readonly WorkflowDefinition[] {
  return WORKFLOWS.filter((workflow) => workflow.deployedIn === stack);
}
