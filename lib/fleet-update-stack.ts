import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FLEET_UPDATE } from '../statemachines/workflows';
import type { StackProFunction } from './stackpro-function';
import { checkStepTimeouts, createStepFunction, createWorkflowStateMachine, type StepFunctionTargets } from './workflow-steps';

/** What the fleet update's steps touch: the table, the customer servers and the one deploy document. */
export interface FleetUpdateStackProps extends NestedStackProps, StepFunctionTargets {}

/**
 * The FleetUpdate workflow (statemachines/fleet-update.asl.json, the file the local stack runs) in its own
 * nested stack, so its six step functions (function, role, log group each) and state machine stay out of
 * the main stack's 500-resource budget. Each step gets exactly its access list: Run Command only with the
 * deploy document on instances tagged ManagedBy=stackpro, the customer list only through its index.
 * Its API routes stay in the main stack, granted StartExecution on this state machine alone.
 */
export class FleetUpdateStack extends NestedStack {
  readonly stateMachine: sfn.StateMachine;
  /** The step functions, keyed by their ASL substitution key. */
  readonly stepFunctions: Readonly<Record<string, StackProFunction>>;

  constructor(scope: Construct, id: string, props: FleetUpdateStackProps) {
    super(scope, id, props);
    const stepFunctions: Record<string, StackProFunction> = {};
    for (const [key, step] of Object.entries(FLEET_UPDATE.steps)) stepFunctions[key] = createStepFunction(this, FLEET_UPDATE, step, props);
    checkStepTimeouts(FLEET_UPDATE, stepFunctions);
    this.stepFunctions = stepFunctions;
    this.stateMachine = createWorkflowStateMachine(this, FLEET_UPDATE, stepFunctions);
  }
}
