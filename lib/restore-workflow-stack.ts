import { isDeepStrictEqual } from 'node:util';
import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RESTORE_CUSTOMER, type WorkflowStep } from '../statemachines/workflows';
import type { CustomerBackups } from './customer-backups';
import { LIFECYCLE_WORKFLOWS, type LifecycleWorkflows } from './lifecycle-workflows';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import type { StackProFunction } from './stackpro-function';
import { checkStepTimeouts, createStepFunction, createWorkflowStateMachine, type StepFunctionTargets } from './workflow-steps';

/** What the restore steps touch, and the workflows whose step functions it reuses. */
export interface RestoreWorkflowStackProps extends NestedStackProps, StepFunctionTargets {
  /** Its step functions are reused for the same step ids (DNS, instance agent, deploy and its check). */
  readonly provisioning: ProvisioningWorkflow;
  /** Its step functions are reused for the same step ids (check stopped, start, check running, email). */
  readonly lifecycle: LifecycleWorkflows;
  /** The vault restored from, and AWS Backup's role the restore job runs as. */
  readonly backups: CustomerBackups;
}

/**
 * The RestoreCustomer workflow (statemachines/restore-customer.asl.json) in a nested stack of its own: the
 * main stack stays under CloudFormation's 500 resources (README "Deploying"). Steps that provisioning or
 * the lifecycle workflows already have are their very functions (the parent passes their ARNs in); the
 * new steps (lambdas/restore/) are created here, each granted exactly its declared access. Children
 * `RestoreCustomer/LogGroup` and `RestoreCustomer/StateMachine`, like the other workflows.
 */
export class RestoreWorkflowStack extends NestedStack {
  readonly stateMachine: sfn.StateMachine;
  /** Step functions by ASL substitution key (reused ones included). */
  readonly stepFunctions: Readonly<Record<string, StackProFunction>>;

  constructor(scope: Construct, id: string, props: RestoreWorkflowStackProps) {
    super(scope, id, props);
    const existing = new Map<string, { step: WorkflowStep; fn: StackProFunction }>();
    const known = [
      { steps: props.provisioning.workflow.steps, functions: props.provisioning.stepFunctions },
      ...LIFECYCLE_WORKFLOWS.map(({ workflow }) => ({ steps: workflow.steps, functions: props.lifecycle.stepFunctions[workflow.id] })),
    ];
    for (const { steps, functions } of known) {
      for (const [key, fn] of Object.entries(functions)) {
        const step = steps[key];
        if (step) existing.set(step.id, { step, fn });
      }
    }
    const functions: Record<string, StackProFunction> = {};
    for (const [key, step] of Object.entries(RESTORE_CUSTOMER.steps)) {
      const found = existing.get(step.id);
      if (found && !isDeepStrictEqual(found.step, step)) throw new Error(`RestoreCustomer step ${step.id} differs from the step of the same id elsewhere`);
      functions[key] = found?.fn ?? createStepFunction(this, RESTORE_CUSTOMER, step, props);
    }
    checkStepTimeouts(RESTORE_CUSTOMER, functions);
    this.stepFunctions = functions;
    this.stateMachine = createWorkflowStateMachine(new Construct(this, RESTORE_CUSTOMER.id), RESTORE_CUSTOMER, functions);
  }
}
