import { isDeepStrictEqual } from 'node:util';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  DEPROVISION_CUSTOMER,
  RESUME_CUSTOMER,
  SUSPEND_CUSTOMER,
  type WorkflowStep,
} from '../statemachines/workflows';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import type { StackProSettings } from './settings';
import type { StackProFunction } from './stackpro-function';
import { executionTimeoutSeconds } from './workflow-definition';
import { checkStepTimeouts, createStepFunction, createWorkflowStateMachine, type StepFunctionTargets } from './workflow-steps';

/** The billing lifecycle workflows, and the variable (lambdas/config.ts) that carries each one's ARN (its definition's). */
export const LIFECYCLE_WORKFLOWS = [
  { workflow: SUSPEND_CUSTOMER, arnVariable: SUSPEND_CUSTOMER.arnVariable },
  { workflow: RESUME_CUSTOMER, arnVariable: RESUME_CUSTOMER.arnVariable },
  { workflow: DEPROVISION_CUSTOMER, arnVariable: DEPROVISION_CUSTOMER.arnVariable },
] as const;

export type LifecycleWorkflowId = (typeof LIFECYCLE_WORKFLOWS)[number]['workflow']['id'];

/** What the lifecycle steps touch, and the provisioning steps they reuse. */
export interface LifecycleWorkflowsProps extends StepFunctionTargets {
  /** Its step functions are reused for the same step ids (one function per step id). */
  readonly provisioning: ProvisioningWorkflow;
  /** Plus the retention the webhook asks Deprovision to wait out, checked against its execution timeout. */
  readonly settings: StepFunctionTargets['settings'] & Pick<StackProSettings, 'billingRetentionDays'>;
}

/** Time Deprovision needs after its retention wait (snapshot, terminate, DNS, identity, email). */
const DEPROVISION_WORK_SECONDS = 24 * 3600;

/**
 * The billing lifecycle: Suspend, Resume and Deprovision, each a Standard state machine from its ASL file
 * (children `<WorkflowId>/LogGroup` and `<WorkflowId>/StateMachine`) built like provisioning. A step id is
 * one function in the whole stack: steps provisioning already has (DNS, email identity, terminate) reuse
 * its function, and steps shared by several lifecycle workflows (the email and failure record) are created
 * here once. Each state machine may invoke exactly the functions its ASL references.
 */
export class LifecycleWorkflows extends Construct {
  /** The state machines, keyed by workflow id. */
  readonly stateMachines: Readonly<Record<LifecycleWorkflowId, sfn.StateMachine>>;
  /** Each workflow's step functions, keyed by workflow id, then by ASL substitution key. */
  readonly stepFunctions: Readonly<Record<LifecycleWorkflowId, Readonly<Record<string, StackProFunction>>>>;

  constructor(scope: Construct, id: string, props: LifecycleWorkflowsProps) {
    super(scope, id);

    const retentionSeconds = props.settings.billingRetentionDays * 24 * 3600;
    const deprovisionTimeout = executionTimeoutSeconds(DEPROVISION_CUSTOMER);
    if (retentionSeconds + DEPROVISION_WORK_SECONDS > deprovisionTimeout) {
      throw new Error(
        `billingRetentionDays ${props.settings.billingRetentionDays} leaves Deprovision less than a day of its ` +
          `${deprovisionTimeout} s TimeoutSeconds (statemachines/${DEPROVISION_CUSTOMER.file})`,
      );
    }

    // One function per step id: provisioning's first, then those created here for earlier workflows.
    const byId = new Map<string, { step: WorkflowStep; fn: StackProFunction }>();
    for (const [key, fn] of Object.entries(props.provisioning.stepFunctions)) {
      const step = props.provisioning.workflow.steps[key];
      if (step) byId.set(step.id, { step, fn });
    }

    const stateMachines: Partial<Record<LifecycleWorkflowId, sfn.StateMachine>> = {};
    const stepFunctions: Partial<Record<LifecycleWorkflowId, Record<string, StackProFunction>>> = {};
    for (const { workflow } of LIFECYCLE_WORKFLOWS) {
      const functions: Record<string, StackProFunction> = {};
      for (const [key, step] of Object.entries(workflow.steps)) {
        const existing = byId.get(step.id);
        if (existing && !isDeepStrictEqual(existing.step, step)) {
          throw new Error(`${workflow.id} step ${step.id} differs from the step of the same id elsewhere: a step id means one handler and one access list`);
        }
        const fn = existing?.fn ?? createStepFunction(this, workflow, step, props);
        byId.set(step.id, { step, fn });
        functions[key] = fn;
      }
      checkStepTimeouts(workflow, functions);
      stepFunctions[workflow.id] = functions;
      stateMachines[workflow.id] = createWorkflowStateMachine(new Construct(this, workflow.id), workflow, functions);
    }
    this.stateMachines = stateMachines as Record<LifecycleWorkflowId, sfn.StateMachine>;
    this.stepFunctions = stepFunctions as Record<LifecycleWorkflowId, Record<string, StackProFunction>>;
  }

  /** Lets a function start executions of the three workflows (and nothing else); see stateMachineArns. */
  grantStart(grantable: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee: grantable,
      actions: ['states:StartExecution'],
      resourceArns: Object.values(this.stateMachines).map((stateMachine) => stateMachine.stateMachineArn),
    });
  }

  /** The environment a starter needs: each workflow's ARN under its lambdas/config.ts name. */
  get stateMachineArns(): Record<string, string> {
    return Object.fromEntries(
      LIFECYCLE_WORKFLOWS.map(({ workflow, arnVariable }) => [arnVariable, this.stateMachines[workflow.id].stateMachineArn]),
    );
  }
}

