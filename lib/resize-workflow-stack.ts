import { isDeepStrictEqual } from 'node:util';
import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RESIZE_CUSTOMER } from '../statemachines/workflows';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import { executionMetrics, notifyingAlarm } from './provisioning-alarms';
import { checkStepTimeouts, createStepFunction, createWorkflowStateMachine, type StepFunctionTargets } from './workflow-steps';

/** What the resize steps touch, the provisioning steps it reuses, and who its alarms tell. */
export interface ResizeWorkflowStackProps extends NestedStackProps, StepFunctionTargets {
  /**
   * Steps with a provisioning step's id (Point subdomain) invoke that very function: its ARN crosses into
   * this stack as a parameter, so the step costs no resource and keeps its own least-privilege role.
   */
  readonly provisioning: ProvisioningWorkflow;
  /** The operators' topic: failed and timed-out resizes alarm there. */
  readonly topic: sns.ITopic;
}

/**
 * The ResizeCustomer workflow in a nested stack of its own (CloudFormation counts 500 resources per stack,
 * and the main stack is near its budget, README "Resource budget"): its state machine and log group
 * (children `ResizeCustomer/LogGroup`, `ResizeCustomer/StateMachine`), one function per resize step (function,
 * role with inline grants, log group), and its failed and timed-out execution alarms. Only the API routes
 * that start it, and the stopped-execution rule that watches it, stay in the main stack; they get its ARN
 * as a nested-stack output. cdk-nag reaches this stack through the app's validations like any other.
 */
export class ResizeWorkflowStack extends NestedStack {
  readonly stateMachine: sfn.StateMachine;
  /** Each step's function, keyed by ASL substitution key (reused provisioning ones included). */
  readonly stepFunctions: Readonly<Record<string, lambda.IFunction>>;
  /** `ResizeCustomerExecutionsFailedAlarm` and `ResizeCustomerExecutionsTimedOutAlarm`. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ResizeWorkflowStackProps) {
    super(scope, id, props);
    const workflow = RESIZE_CUSTOMER;
    const provisioningSteps = new Map(
      Object.entries(props.provisioning.stepFunctions).map(([key, fn]) => [props.provisioning.workflow.steps[key]?.id, { step: props.provisioning.workflow.steps[key], fn }]),
    );

    const functions: Record<string, lambda.Function> = {};
    for (const [key, step] of Object.entries(workflow.steps)) {
      const shared = provisioningSteps.get(step.id);
      if (shared && !isDeepStrictEqual(shared.step, step)) {
        throw new Error(`${workflow.id} step ${step.id} differs from the provisioning step of the same id: a step id means one handler and one access list`);
      }
      functions[key] = shared?.fn ?? createStepFunction(this, workflow, step, props);
    }
    checkStepTimeouts(workflow, functions);
    this.stepFunctions = functions;
    this.stateMachine = createWorkflowStateMachine(new Construct(this, workflow.id), workflow, functions);

    // The resize has no business failure metric: its failed and timed-out executions are the alarms.
    const executions = executionMetrics(this.stateMachine);
    this.alarms = {
      [`${workflow.id}ExecutionsFailedAlarm`]: notifyingAlarm(
        this,
        `${workflow.id}ExecutionsFailedAlarm`,
        props.topic,
        executions.failed,
        'A ResizeCustomer execution failed: the server was put back on its previous type and price (the reason is on the account, planChangeFailure). Read the execution history.',
      ),
      [`${workflow.id}ExecutionsTimedOutAlarm`]: notifyingAlarm(
        this,
        `${workflow.id}ExecutionsTimedOutAlarm`,
        props.topic,
        executions.timedOut,
        'A ResizeCustomer execution hit its timeout: the stopped-execution handler puts the previous type back. Check the customer is running.',
      ),
    };
  }

  /** Lets a function start resizes (and nothing else); it also needs RESIZE_STATE_MACHINE_ARN. */
  grantStart(grantable: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantable);
  }
}
