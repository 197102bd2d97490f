import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { WorkflowDefinition, WorkflowStep } from '../statemachines/workflows';
import type { CustomerInstances } from './customer-instances';
import type { DeployDocument } from './deploy-document';
import type { StackProSettings } from './settings';
import { grantFunctionAccess, type AccessTargets } from './function-access';
import { StackProFunction } from './stackpro-function';
import { readDefinition, taskTimeouts } from './workflow-definition';

/** The settings step functions read: identities and sender (`ses:*` access) and the plan prices (Set up billing). */
export type StepSettings = Pick<StackProSettings, 'customerDomain' | 'senderAddress' | 'stripePriceIds'>;

/** What step functions are granted access to (lib/function-access.ts), and the settings they read. */
export interface StepFunctionTargets extends AccessTargets {
  /** Steps launch (`ec2:launch`), deploy to (`ssm:deploy`) and name (`route53:records`) customer servers. */
  readonly instances: CustomerInstances;
  readonly deployDocument: DeployDocument;
  readonly hostedZone: route53.IHostedZone;
  /** Passed to grants (`ses:*`) and to the steps that read a setting (STEP_SETTINGS). */
  readonly settings: StepSettings;
}

/**
 * Lambda timeouts per step id, each below its Task's TimeoutSeconds (checked at synth). Launch instance may
 * try RunInstances in every subnet (about 1.5 s each, plus SDK retries on throttling) within its 60 s Task.
 */
const STEP_TIMEOUTS: Readonly<Record<string, Duration>> = { LaunchInstance: Duration.seconds(45) };
/** Every other step makes one or two AWS (or Stripe) calls and a few table writes; its Task allows 30 s. */
const DEFAULT_STEP_TIMEOUT = Duration.seconds(20);

/**
 * Settings a step's handler reads beyond what its access implies (names from lambdas/config.ts), by step
 * id: Set up billing and the resize's Put back previous price need the plan prices.
 */
const STEP_SETTINGS: Readonly<Record<string, (settings: StepSettings) => Record<string, string>>> = {
  SetUpBilling: (settings) => ({ STRIPE_PRICE_IDS: JSON.stringify(settings.stripePriceIds) }),
  PutBackPreviousPrice: (settings) => ({ STRIPE_PRICE_IDS: JSON.stringify(settings.stripePriceIds) }),
};

/** State machine logs are kept a little longer than function logs: support reads them for customer tickets. */
const STATE_MACHINE_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * One step's function, with construct id = step id and exactly the grants and environment of its access
 * list (every step has `table:write`: it records its progress). Create it once per step id, however many
 * workflows invoke it.
 */
export function createStepFunction(scope: Construct, workflow: WorkflowDefinition, step: WorkflowStep, targets: StepFunctionTargets): StackProFunction {
  const fn = new StackProFunction(scope, step.id, {
    handler: step.handler,
    description: `${workflow.id} step: ${step.id}`,
    timeout: STEP_TIMEOUTS[step.id] ?? DEFAULT_STEP_TIMEOUT,
    environment: STEP_SETTINGS[step.id]?.(targets.settings),
  });
  grantFunctionAccess(fn, step.id, step.access, targets);
  return fn;
}

/**
 * Fails the synth unless each of the workflow's step functions gives up before its Task does (a shared
 * function is checked against every workflow that invokes it).
 */
export function checkStepTimeouts(workflow: WorkflowDefinition, stepFunctions: Readonly<Record<string, lambda.Function>>): void {
  const timeouts = taskTimeouts(workflow);
  for (const [key, fn] of Object.entries(stepFunctions)) {
    const taskTimeout = timeouts.get(key);
    const timeout = fn.timeout?.toSeconds();
    if (taskTimeout !== undefined && timeout !== undefined && timeout >= taskTimeout) {
      throw new Error(`${workflow.steps[key]?.id ?? key}: Lambda timeout ${timeout} s must be below its Task's TimeoutSeconds (${taskTimeout} s) in ${workflow.id}`);
    }
  }
}

/**
 * The workflow's Standard state machine (exactly-once steps, history kept for support) from its ASL file,
 * as children `LogGroup` and `StateMachine` of `scope`: every `${...}` substituted with its step function's
 * ARN, logging every event without execution data, X-Ray tracing, and invoke on exactly those functions.
 * Its timeout is the ASL's own `TimeoutSeconds` (CDK's `timeout` prop applies only to definitions built in
 * code), so the local stack and AWS enforce the same limit.
 */
export function createWorkflowStateMachine(
  scope: Construct,
  workflow: WorkflowDefinition,
  stepFunctions: Readonly<Record<string, lambda.IFunction>>,
  waits: Readonly<Record<string, number>> = {},
): sfn.StateMachine {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', { retention: STATE_MACHINE_LOG_RETENTION });

  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    // Inline (fromString) rather than fromFile, which uploads the ASL as an S3 asset: the template stays
    // self-contained and `cdk diff` shows a changed state, not just a changed asset hash.
    definitionBody: sfn.DefinitionBody.fromString(readDefinition(workflow, waits)),
    definitionSubstitutions: Object.fromEntries(Object.entries(stepFunctions).map(([key, fn]) => [key, fn.functionArn])),
    tracingEnabled: true,
    // Execution input carries customer data (PII): log every event, but never its input or output.
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
  });

  // The ASL invokes each step by its unqualified ARN, so granting exactly those ARNs is enough (no `:*`).
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: Object.values(stepFunctions).map((fn) => fn.functionArn),
    }),
  );
  Validations.of(stateMachine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Added by aws-cdk-lib for X-Ray tracing (xray:PutTraceSegments etc.) and log delivery ' +
      '(logs:CreateLogDelivery etc.), which have no resource-level permissions.',
  });
  return stateMachine;
}
