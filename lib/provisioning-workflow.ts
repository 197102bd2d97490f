import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PROVISION_CUSTOMER, type WorkflowDefinition } from '../statemachines/workflows';
import type { StackProFunction } from './stackpro-function';
import { checkStepTimeouts, createStepFunction, createWorkflowStateMachine, type StepFunctionTargets } from './workflow-steps';

/** What the workflow's steps touch; each step is granted only the access its workflow-table entry declares. */
export interface ProvisioningWorkflowProps extends StepFunctionTargets {
  /**
   * Which workflow to build; tests may pass a smaller one.
   * @default PROVISION_CUSTOMER
   */
  readonly workflow?: WorkflowDefinition;
  /**
   * Hours a customer waits for EC2 capacity (`waiting_for_capacity`) before provisioning rolls back.
   * @default 24
   */
  readonly capacityWaitHours?: number;
  /**
   * Step functions built elsewhere, by step id: the messaging channel steps live in the messaging nested
   * stack (lib/messaging-operations.ts) and their ARNs cross into this stack's substitutions. A step not
   * given here gets a function of its own.
   * @default none
   */
  readonly sharedStepFunctions?: Readonly<Record<string, StackProFunction>>;
}

/**
 * The customer provisioning workflow: the ASL file under statemachines/ (the same one the local stack runs),
 * one small Lambda per step, and a Standard state machine (see createWorkflowStateMachine). Its step
 * functions are shared with the lifecycle workflows that invoke the same step ids (DNS, email identity,
 * terminate).
 */
export class ProvisioningWorkflow extends Construct {
  /** The workflow table entry it was built from. */
  readonly workflow: WorkflowDefinition;
  readonly stateMachine: sfn.StateMachine;
  /** The step functions, keyed by their ASL substitution key. */
  readonly stepFunctions: Readonly<Record<string, StackProFunction>>;

  constructor(scope: Construct, id: string, props: ProvisioningWorkflowProps) {
    super(scope, id);
    const workflow = props.workflow ?? PROVISION_CUSTOMER;
    this.workflow = workflow;

    const stepFunctions: Record<string, StackProFunction> = {};
    for (const [substitutionKey, step] of Object.entries(workflow.steps)) {
      stepFunctions[substitutionKey] = props.sharedStepFunctions?.[step.id] ?? createStepFunction(this, workflow, step, props);
    }
    checkStepTimeouts(workflow, stepFunctions);
    this.stepFunctions = stepFunctions;
    const waits: Record<string, number> = props.capacityWaitHours === undefined ? {} : { CapacityWaitSeconds: props.capacityWaitHours * 3600 };
    this.stateMachine = createWorkflowStateMachine(this, workflow, stepFunctions, waits);
  }

  /** Lets a function start executions (and nothing else); it also needs PROVISIONING_STATE_MACHINE_ARN. */
  grantStart(grantable: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantable);
  }
}
