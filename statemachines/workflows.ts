/**
 * The Step Functions workflows: which ASL file each is, and which step handler each `${...}Arn`
 * substitution in that file stands for. CDK creates one function per entry and substitutes its ARN; the
 * local stack runs the same file and invokes the same handlers in-process.
 *
 * `handler` is a path under `lambdas/` without its extension; that module exports `handler`.
 */
export interface WorkflowStep {
  /** Stable PascalCase id: the CDK construct id of the step's function (never rename it). */
  readonly id: string;
  readonly handler: string;
  readonly access: readonly ('table:read' | 'table:write')[];
}

export interface WorkflowDefinition {
  /** Stable PascalCase id: the CDK construct id and the local state machine name. */
  readonly id: string;
  /** File name under `statemachines/`. */
  readonly file: string;
  /** Substitution key in the ASL file (without `${}`) to the step it invokes. */
  readonly steps: Readonly<Record<string, WorkflowStep>>;
}

export const PROVISION_CUSTOMER: WorkflowDefinition = {
  id: 'ProvisionCustomer',
  file: 'provision-customer.asl.json',
  steps: {
    RecordProvisioningStartedFunctionArn: {
      id: 'RecordProvisioningStarted',
      handler: 'provisioning/record-provisioning-started',
      access: ['table:read', 'table:write'],
    },
  },
};

export const WORKFLOWS: readonly WorkflowDefinition[] = [PROVISION_CUSTOMER];
